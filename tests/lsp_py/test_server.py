"""End-to-end tests of greyhaven-lsp driven by an independent client
(pytest-lsp on pygls): diagnostics with versions after open and change, the
"ignore for this line" code action applied back through didChange, hover,
document symbols and the UTF-8 position encoding."""

import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SCHEMA = '''import { pgTable, uuid, text, timestamp } from "drizzle-orm/pg-core";

export const tenants = pgTable("tenants", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  deleted_at: timestamp("deleted_at", { withTimezone: true }),
});

export const posts = pgTable(/* 😀 */ "posts", {
  id: uuid("id").primaryKey().defaultRandom(),
  tenant_id: uuid("tenant_id").notNull().references(() => tenants.id),
  title: text("title").notNull(),
  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  deleted_at: timestamp("deleted_at", { withTimezone: true }),
});
'''

BIN = os.environ.get("GREYHAVEN_LSP_BIN", "greyhaven-lsp")


def workspace(tmp: pathlib.Path) -> pathlib.Path:
    (tmp / "schema.ts").write_text(SCHEMA, encoding="utf-8")
    return tmp


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "server"]))
async def client(lsp_client: LanguageClient, tmp_path: pathlib.Path):
    root = workspace(tmp_path)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params: types.RegistrationParams):
        lsp_client.registrations = params.registrations
        return None

    caps = client_capabilities("visual-studio-code")
    params = types.InitializeParams(
        capabilities=caps,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
    )
    result = await lsp_client.initialize_session(params)
    lsp_client.root = root
    lsp_client.init_result = result
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "server"]))
async def pull_client(lsp_client: LanguageClient, tmp_path: pathlib.Path):
    """A client that also advertises pull diagnostics (LSP 3.17)."""
    root = workspace(tmp_path)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def _register(params: types.RegistrationParams):
        return None

    caps = client_capabilities("visual-studio-code")
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    params = types.InitializeParams(
        capabilities=caps,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
    )
    result = await lsp_client.initialize_session(params)
    lsp_client.root = root
    lsp_client.init_result = result
    yield
    await lsp_client.shutdown_session()


async def test_pull_diagnostics(pull_client: LanguageClient):
    client = pull_client
    assert client.init_result.capabilities.diagnostic_provider is not None
    uri = await open_schema(client)
    first = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert "enable-rls" in codes(first.items)
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=first.result_id,
        )
    )
    assert again.kind == "unchanged" and again.result_id == first.result_id
    assert not client.diagnostics, "pushed although the client pulls"


async def open_schema(client: LanguageClient, version: int = 1) -> str:
    uri = (client.root / "schema.ts").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="typescript", version=version, text=SCHEMA
            )
        )
    )
    await wait_diagnostics(client, uri)
    return uri


async def wait_diagnostics(client: LanguageClient, uri: str, pred=lambda d: True):
    """The document's diagnostics once `pred` holds: pulled when the server
    offers pull diagnostics (VS Code's capabilities advertise them; a pull
    answers from the newest text), else waited for as publications."""
    if client.init_result.capabilities.diagnostic_provider is not None:
        assert not client.diagnostics, "pushed although the client pulls"
        for _ in range(50):
            report = await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)
                )
            )
            assert report.kind == "full"
            if pred(report.items):
                return report.items
        raise AssertionError(f"no matching diagnostics for {uri}")
    for _ in range(50):
        if uri in client.diagnostics and pred(client.diagnostics[uri]):
            return client.diagnostics[uri]
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    raise AssertionError(f"no matching diagnostics for {uri}")


def codes(diags):
    return [d.code for d in diags]


async def test_diagnostics_and_ignore_action(client: LanguageClient):
    uri = await open_schema(client)
    diags = await wait_diagnostics(client, uri)
    rls = next(d for d in diags if d.code == "enable-rls")
    assert rls.source == "greyhaven"
    assert rls.severity == types.DiagnosticSeverity.Error
    assert rls.code_description.href.endswith("enable-rls.md")
    line = SCHEMA.splitlines()[rls.range.start.line]
    assert "😀" in line
    # UTF-16 (VS Code does not offer UTF-8): the emoji counts two code units.
    prefix = line[: line.index('"posts"')]
    assert rls.range.start.character == len(prefix.encode("utf-16-le")) // 2

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rls.range,
            context=types.CodeActionContext(diagnostics=[rls]),
        )
    )
    ignore = next(a for a in actions if a.title == "Ignore enable-rls for this line")
    assert ignore.kind == types.CodeActionKind.QuickFix
    doc_edit = ignore.edit.document_changes[0]
    assert doc_edit.text_document.version == 1
    edit = doc_edit.edits[0]
    assert edit.new_text == "// greyhaven-ignore: enable-rls\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
            ],
        )
    )
    after = await wait_diagnostics(client, uri, lambda d: "enable-rls" not in codes(d))
    assert "enable-rls" not in codes(after)


async def test_hover_and_document_symbols(client: LanguageClient):
    uri = await open_schema(client)
    line = next(i for i, l in enumerate(SCHEMA.splitlines()) if '"posts"' in l)
    col = SCHEMA.splitlines()[line].index('"posts"')
    col16 = len(SCHEMA.splitlines()[line][:col].encode("utf-16-le")) // 2 + 2
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=col16),
        )
    )
    assert "table `posts`" in hover.contents.value
    assert "row-level security" in hover.contents.value

    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert [s.name for s in symbols] == ["tenants", "posts"]
    assert "tenant_id" in [c.name for c in symbols[1].children]


async def test_workspace_symbols_after_indexing(client: LanguageClient):
    await open_schema(client)
    result = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="post"))
    assert [s.name for s in result] == ["posts"]

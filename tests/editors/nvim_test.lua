-- Headless end-to-end test of editors/nvim with a real Neovim 0.11 and the real
-- server. Run by tests/editors/nvim_test.sh as
--   nvim --headless -u NONE -l tests/editors/nvim_test.lua REPO BIN
-- It puts editors/nvim on 'runtimepath', overrides only `cmd` to the built binary,
-- opens posts.ts in a temp copy of examples/drizzle-app, waits for the server's
-- diagnostics and compares them with `greyhaven-lsp check --format json`, asks for
-- code actions on the require-tenant-id finding, applies "Add tenant_id column"
-- (the fix `check` reports for it) with the client's offset encoding, and waits
-- for the finding to go. It
-- also loads the classic lspconfig registration against stub lspconfig modules.
-- Any failure prints a reason and exits 1.

local repo, bin = arg[1], arg[2]
local started = vim.uv.hrtime()
local TIMEOUT = 30000

local function fail(msg)
  io.stderr:write('FAIL: ' .. msg .. '\n')
  io.stderr:flush()
  os.exit(1)
end

local function check(cond, msg)
  if not cond then
    fail(msg)
  end
end

local function note(msg)
  io.stdout:write(msg .. '\n')
  io.stdout:flush()
end

local function run()
  check(repo and bin, 'usage: nvim --headless -u NONE -l nvim_test.lua REPO BIN')
  check(vim.fn.has('nvim-0.11') == 1, 'Neovim 0.11 or newer is needed, got ' .. tostring(vim.version()))
  check(vim.fn.executable(bin) == 1, 'not an executable: ' .. bin)

  -- A private copy of the Drizzle example.
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp, 'p')
  local copy = vim.system({ 'cp', '-R', repo .. '/examples/drizzle-app', tmp }):wait()
  check(copy.code == 0, 'copying the example failed: ' .. (copy.stderr or ''))
  local root = vim.fs.normalize(tmp .. '/drizzle-app')
  local file = root .. '/src/db/schema/posts.ts'

  -- What the checker reports for that file, to compare with the editor.
  local cli = vim.system({ bin, 'check', '--format', 'json', '.' }, { cwd = root, text = true }):wait()
  local ok, report = pcall(vim.json.decode, cli.stdout or '')
  check(ok and type(report) == 'table', 'check --format json gave no JSON: ' .. (cli.stderr or ''))
  local expected, tenant_fix = {}, nil
  for _, d in ipairs(report.diagnostics) do
    if d.path == 'src/db/schema/posts.ts' then
      table.insert(expected, d.rule)
      if d.rule == 'require-tenant-id' and type(d.fix) == 'table' then
        -- JSON v2 carries the fix's safety only (edits and titles are
        -- computed when an editor asks for the code action).
        tenant_fix = d.fix.safety
      end
    end
  end
  table.sort(expected)
  check(vim.tbl_contains(expected, 'require-tenant-id'), 'the checker no longer reports require-tenant-id on posts.ts')

  -- The config under test, from 'runtimepath'; only cmd is overridden.
  vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
  vim.cmd('filetype on')
  local cfg = vim.lsp.config.greyhaven_lsp
  check(cfg ~= nil, 'lsp/greyhaven_lsp.lua was not found on runtimepath')
  check(vim.deep_equal(cfg.cmd, { 'greyhaven-lsp', 'server' }), 'cmd: ' .. vim.inspect(cfg.cmd))
  check(vim.deep_equal(cfg.filetypes, { 'typescript', 'python', 'sql' }), 'filetypes: ' .. vim.inspect(cfg.filetypes))
  check(
    vim.deep_equal(cfg.root_markers, { 'greyhaven.toml', 'pyproject.toml', 'drizzle.config.ts', '.git' }),
    'root_markers: ' .. vim.inspect(cfg.root_markers)
  )
  vim.lsp.config('greyhaven_lsp', { cmd = { bin, 'server' } })
  vim.lsp.enable('greyhaven_lsp')

  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  check(vim.bo[buf].filetype == 'typescript', 'filetype of posts.ts: ' .. vim.bo[buf].filetype)

  local client
  check(
    vim.wait(TIMEOUT, function()
      client = vim.lsp.get_clients({ bufnr = buf, name = 'greyhaven_lsp' })[1]
      return client ~= nil and client.initialized
    end, 20),
    'greyhaven_lsp did not attach to posts.ts'
  )
  check(client.root_dir == root, 'root_dir ' .. tostring(client.root_dir) .. ', expected ' .. root)
  note(('attached: root %s, offset encoding %s'):format(client.root_dir, client.offset_encoding))

  local function codes()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(out, tostring(d.code))
    end
    table.sort(out)
    return out
  end

  local got = vim.wait(TIMEOUT, function()
    return vim.deep_equal(codes(), expected)
  end, 20)
  check(got, ('diagnostics %s, expected (as check reports) %s'):format(vim.inspect(codes()), vim.inspect(expected)))
  note(('%d diagnostics: %s'):format(#expected, table.concat(expected, ', ')))

  local finding
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'require-tenant-id' then
      finding = d
    end
  end
  check(finding.source == 'greyhaven', 'diagnostic source: ' .. tostring(finding.source))
  local lsp_diag = finding.user_data and finding.user_data.lsp
  check(lsp_diag ~= nil, 'the diagnostic carries no LSP data')

  local params = {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
  }
  local responses, err = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, TIMEOUT)
  check(responses ~= nil, 'codeAction request failed: ' .. tostring(err))
  local resp = responses[client.id]
  check(resp ~= nil and resp.err == nil, 'codeAction error: ' .. vim.inspect(resp and resp.err))
  local actions = resp.result or {}
  local titles = vim.tbl_map(function(a)
    return a.title
  end, actions)
  note('code actions: ' .. table.concat(titles, ' | '))

  local chosen
  check(tenant_fix ~= nil, 'check --format json offers no fix for require-tenant-id on posts.ts')
  for _, a in ipairs(actions) do
    if a.title:find('tenant_id', 1, true) ~= nil and a.title:find('Ignore', 1, true) == nil then
      chosen = a
    end
  end
  check(chosen ~= nil, ('no add-tenant_id action (a %s fix) among %s'):format(tenant_fix, vim.inspect(titles)))
  check(chosen.title:find('tenant_id', 1, true) ~= nil, 'not an add-tenant_id action: ' .. chosen.title)
  check(chosen.kind == 'quickfix', 'action kind: ' .. tostring(chosen.kind))
  if chosen.edit == nil and chosen.data ~= nil then
    local r = client:request_sync('codeAction/resolve', chosen, TIMEOUT, buf)
    check(r ~= nil and r.err == nil, 'codeAction/resolve failed')
    chosen = r.result
  end
  check(chosen.edit ~= nil, 'the action has no edit: ' .. vim.inspect(chosen))

  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local added = vim.tbl_filter(function(l)
    return l:find('tenant_id', 1, true) ~= nil
  end, lines)
  check(#added > 0, 'the buffer has no tenant_id after the edit:\n' .. table.concat(lines, '\n'))
  note(('applied %q; lines with tenant_id now:\n  %s'):format(chosen.title, table.concat(added, '\n  ')))

  local gone = vim.wait(TIMEOUT, function()
    return not vim.tbl_contains(codes(), 'require-tenant-id')
  end, 20)
  check(gone, 'require-tenant-id is still reported after the fix: ' .. vim.inspect(codes()))
  note('after the fix: ' .. table.concat(codes(), ', '))

  client:stop()
  check(vim.wait(10000, function()
    return client:is_stopped()
  end, 20), 'the server did not stop')

  -- The classic nvim-lspconfig registration, against stub lspconfig modules.
  local patterns
  package.loaded['lspconfig.configs'] = {}
  package.loaded['lspconfig.util'] = {
    root_pattern = function(...)
      patterns = { ... }
      return function()
        return root
      end
    end,
  }
  local classic = require('greyhaven_lsp.lspconfig')
  local dc = package.loaded['lspconfig.configs'].greyhaven_lsp.default_config
  check(classic.default_config == dc, 'lspconfig: not registered in lspconfig.configs')
  check(vim.deep_equal(dc.cmd, cfg.cmd), 'lspconfig cmd: ' .. vim.inspect(dc.cmd))
  check(vim.deep_equal(dc.filetypes, cfg.filetypes), 'lspconfig filetypes: ' .. vim.inspect(dc.filetypes))
  check(vim.deep_equal(patterns, cfg.root_markers), 'lspconfig root patterns: ' .. vim.inspect(patterns))
  check(dc.root_dir(file) == root, 'lspconfig root_dir')

  vim.fn.delete(tmp, 'rf')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  fail(tostring(err))
end
note(('editor test took %.1fs'):format((vim.uv.hrtime() - started) / 1e9))
note('nvim: 1 passed, 0 failed')
os.exit(0)

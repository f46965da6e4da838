-- greyhaven-lsp for Neovim 0.11+ (`vim.lsp.config` / `vim.lsp.enable`).
--
-- Checks the schemas of multi-tenant PostgreSQL apps (Drizzle ORM in TypeScript,
-- SQLModel and Alembic in Python, SQL migrations) against Grey Haven's standards.
-- Put the folder holding this `lsp/` directory on 'runtimepath' (or copy this file
-- to `~/.config/nvim/lsp/`), then:
--
--   vim.lsp.enable('greyhaven_lsp')
--
-- and, to use a binary that is not on PATH:
--
--   vim.lsp.config('greyhaven_lsp', { cmd = { '/path/to/greyhaven-lsp', 'server' } })
--
-- The project root is the nearest folder with greyhaven.toml, else pyproject.toml,
-- else drizzle.config.ts, else .git.

---@type vim.lsp.Config
return {
  cmd = { 'greyhaven-lsp', 'server' },
  filetypes = { 'typescript', 'python', 'sql' },
  root_markers = { 'greyhaven.toml', 'pyproject.toml', 'drizzle.config.ts', '.git' },
}

-- Registers greyhaven-lsp with the classic nvim-lspconfig API, for setups older
-- than Neovim 0.11's `vim.lsp.config` (the same settings as lsp/greyhaven_lsp.lua).
-- With this folder's parent on 'runtimepath':
--
--   require('greyhaven_lsp.lspconfig')
--   require('lspconfig').greyhaven_lsp.setup({})
--
-- or paste the block below into your config directly.

local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

if not configs.greyhaven_lsp then
  configs.greyhaven_lsp = {
    default_config = {
      cmd = { 'greyhaven-lsp', 'server' },
      filetypes = { 'typescript', 'python', 'sql' },
      root_dir = util.root_pattern('greyhaven.toml', 'pyproject.toml', 'drizzle.config.ts', '.git'),
      single_file_support = true,
    },
    docs = {
      description = 'greyhaven-lsp: multi-tenant PostgreSQL schema checks for Drizzle, SQLModel, Alembic and SQL.',
    },
  }
end

return configs.greyhaven_lsp

;;; greyhaven-lsp.el --- eglot configuration for greyhaven-lsp  -*- lexical-binding: t; -*-

;; Registers the greyhaven-lsp language server with eglot (built into Emacs 29+,
;; the `eglot' package or Debian's elpa-eglot on Emacs 28) for TypeScript, Python
;; and SQL buffers, and starts it in them when `greyhaven-lsp-auto-start' is set.
;; Load it from init.el:
;;
;;   (add-to-list 'load-path "~/src/greyhaven-lsp/editors/emacs")
;;   (require 'greyhaven-lsp)
;;
;; Then open a schema file and M-x eglot (or let the hook below start it),
;; diagnostics arrive through Flymake, and M-x eglot-code-actions on a finding
;; offers its fixes ("Add tenant_id column", "Ignore RULE for this line").
;; eglot runs one server per buffer's major mode and project; this file only
;; lists greyhaven-lsp as the server for these modes, so it replaces eglot's
;; default (typescript-language-server, pylsp) in them.

;;; Code:

(require 'eglot)

(defgroup greyhaven-lsp nil
  "The greyhaven-lsp language server through eglot."
  :group 'tools)

(defcustom greyhaven-lsp-command '("greyhaven-lsp" "server")
  "How to start the server: the binary (on `exec-path') and its arguments.
For a project-local install use for example
\\='(\"node_modules/.bin/greyhaven-lsp\" \"server\") or
\\='(\".venv/bin/greyhaven-lsp\" \"server\")."
  :type '(repeat string))

(defcustom greyhaven-lsp-modes
  '(typescript-mode typescript-ts-mode tsx-ts-mode js-mode js-ts-mode
    python-mode python-ts-mode sql-mode)
  "Major modes whose buffers greyhaven-lsp checks."
  :type '(repeat symbol))

(defcustom greyhaven-lsp-auto-start nil
  "When non-nil, start eglot in every buffer of `greyhaven-lsp-modes'."
  :type 'boolean)

(defun greyhaven-lsp--contact (&optional _interactive)
  "The server command, as eglot wants it."
  greyhaven-lsp-command)

(add-to-list 'eglot-server-programs
             (cons greyhaven-lsp-modes #'greyhaven-lsp--contact))

(defun greyhaven-lsp--maybe-start ()
  (when greyhaven-lsp-auto-start (eglot-ensure)))

(dolist (mode greyhaven-lsp-modes)
  (add-hook (intern (format "%s-hook" mode)) #'greyhaven-lsp--maybe-start))

(provide 'greyhaven-lsp)
;;; greyhaven-lsp.el ends here

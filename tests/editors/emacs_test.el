;;; emacs_test.el --- headless Emacs + eglot test of greyhaven-lsp  -*- lexical-binding: t; -*-

;; Loaded by tests/editors/emacs_test.sh with `emacs --batch' after
;; editors/emacs/greyhaven-lsp.el. Opens posts.ts of a copy of the Drizzle
;; example (GREYHAVEN_TEST_DIR), starts eglot, waits for the Flymake diagnostic
;; of require-tenant-id from the server, runs the code action "Add tenant_id
;; column" through `eglot-code-actions' (answering its menu), and checks the
;; buffer and that the diagnostic goes.  Prints "N passed, N failed" last.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'flymake)

(defvar gh-passed 0)
(defvar gh-failed 0)
(defconst gh-message "table \"posts\" has no tenant_id column")

(defun gh-check (name ok &optional detail)
  (if ok
      (progn (setq gh-passed (1+ gh-passed)) (princ (format "ok - %s\n" name)))
    (setq gh-failed (1+ gh-failed))
    (princ (format "not ok - %s%s\n" name (if detail (format ": %s" detail) ""))))
  ok)

(defun gh-wait (pred seconds)
  "Process events until PRED is non-nil or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds)) v)
    (while (and (not (setq v (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    v))

(defun gh-tenant-diag ()
  (cl-find-if (lambda (d) (string-match-p (regexp-quote gh-message) (flymake-diagnostic-text d)))
              (flymake-diagnostics)))

(unless (fboundp 'typescript-mode)
  ;; Emacs 28 has no TypeScript mode; eglot names the language after the mode.
  (define-derived-mode typescript-mode prog-mode "TypeScript"))
(add-to-list 'auto-mode-alist '("\\.ts\\'" . typescript-mode))

(let* ((dir (file-name-as-directory (getenv "GREYHAVEN_TEST_DIR")))
       (file (expand-file-name "src/db/schema/posts.ts" dir))
       (start (float-time))
       (eglot-sync-connect t)
       (eglot-connect-timeout 30)
       ;; No prompts in batch: the menu and confirmations are answered here.
       (last-nonmenu-event 13))
  (setq greyhaven-lsp-command (list (getenv "GREYHAVEN_LSP_BIN") "server"))
  (find-file file)
  (gh-check "posts.ts is in typescript-mode" (eq major-mode 'typescript-mode) major-mode)
  (condition-case err
      (progn
        (apply #'eglot (eglot--guess-contact))
        (gh-check "eglot connected to greyhaven-lsp" (eglot-current-server))
        (let ((diag (gh-wait #'gh-tenant-diag 60)))
          (gh-check "Flymake shows require-tenant-id from the server" diag
                    (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
          (princ (format "    diagnostics after %.1f s\n" (- (float-time) start)))
          (when diag
            (goto-char (flymake-diagnostic-beg diag))
            (cl-letf (((symbol-function 'completing-read)
                       (lambda (_prompt collection &rest _)
                         (or (cl-find "Add tenant_id column" (mapcar #'car collection) :test #'equal)
                             (error "no \"Add tenant_id column\" in %S" (mapcar #'car collection)))))
                      ((symbol-function 'y-or-n-p) (lambda (&rest _) t)))
              (call-interactively #'eglot-code-actions))
            ;; eglot sends the edit from an idle timer, and batch Emacs is never idle.
            (eglot--signal-textDocument/didChange)
            (gh-check "the buffer has the tenant_id column"
                      (save-excursion
                        (goto-char (point-min))
                        (search-forward "tenant_id: uuid(\"tenant_id\")" nil t))
                      (buffer-string))
            (gh-check "the require-tenant-id diagnostic goes"
                      (gh-wait (lambda () (not (gh-tenant-diag))) 30)
                      (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))
            (princ (format "    fix applied after %.1f s\n" (- (float-time) start))))))
    (error (gh-check "the eglot session" nil (error-message-string err))))
  (ignore-errors (let ((s (eglot-current-server))) (when s (eglot-shutdown s)))))

(princ (format "%d passed, %d failed\n" gh-passed gh-failed))
(kill-emacs (if (and (= gh-failed 0) (> gh-passed 0)) 0 1))
;;; emacs_test.el ends here

"""The web app: every HTML page and form (case pages, tasks, home, notifications, the register
import/export pages, supervision pages, the public verification page) and the case page's
action table. No models: pages parse input, call a service or a selector, render."""

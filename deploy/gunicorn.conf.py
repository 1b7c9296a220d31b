"""gunicorn settings for one web node (deploy/systemd/tiaojie-web.service runs
`gunicorn -c deploy/gunicorn.conf.py config.wsgi`). Every value can be overridden from the
environment the unit sets, so a node's size is a line in /etc/tiaojie/env."""

import os

bind = os.environ.get("TIAOJIE_BIND", "127.0.0.1:8001")
# 2 × cores + 1 is gunicorn's advice; PDF rendering runs in the Celery workers, not here.
workers = int(os.environ.get("TIAOJIE_WEB_WORKERS", (os.cpu_count() or 1) * 2 + 1))
timeout = int(os.environ.get("TIAOJIE_WEB_TIMEOUT", 60))
graceful_timeout = 30
# A worker is replaced after this many requests (a guard against slow leaks). Each new worker
# imports Django and warms its templates, about 1.5 s of CPU (bench/bench_load.py's nodes): at
# 2,000 that was 0.75 ms of every request, at 10,000 it is 0.15 ms.
max_requests = 10000
max_requests_jitter = 1000
# nginx in front buffers slow clients; access lines carry the request id nginx set.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s'
forwarded_allow_ips = os.environ.get("TIAOJIE_FORWARDED_ALLOW_IPS", "127.0.0.1")

"""Gunicorn settings read from the working directory by every `gunicorn wsgi:app` of the portal.

SMSAPI calls back by GET with up to about a hundred reports per request as comma-separated lists
(SMSAPI.md §3.4): twelve parameters of a hundred values make a request line of 10-15 kB, far past
gunicorn's default limit of 4094 bytes, which would refuse the batch with 400 before the portal sees
it. 0 lifts the limit on the request line; the header limits stay.
"""

limit_request_line = 0

# Threads per worker (gunicorn then uses its gthread worker). SMSAPI's callbacks wait on the database,
# and those that wait together are stored in one transaction (portal/callbacks/batching.py): the more
# of them a process holds, the fewer transactions. The pages hold threads only briefly.
threads = 16

# Each worker listens on a socket of its own and the kernel spreads new connections over them, rather
# than whichever worker wakes first taking a burst of them (SMSAPI keeps its connections open, so a
# worker that took them all would do all of the work while the others idle).
reuse_port = True

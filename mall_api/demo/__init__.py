"""`mall serve --demo`: a living demo city, seeded and kept bidding through the public API only.

Everything the demo writes is marked: ids start with `DEMO-`, names end in （演示）, and the data
directory gets a `DEMO` marker file. The demo refuses a data directory that already holds other data
(and, with `REDIS_URL`, a store whose libraries hold anything but demo records).
"""

"""The delinquency app's batch jobs, one module each (registered by delinquency/batch.py).

CHUNK_SIZE: the accounts per chunk of the three nightly account jobs (notices, penalties,
shut-off candidates). Each chunk costs a fixed number of queries, so larger chunks cost
less per account (README "Delinquency: notices and penalties", Performance); 2,000 keeps
a chunk's transaction to about a second. `runbatch --chunk-size` overrides it per run.
"""

CHUNK_SIZE = 2000

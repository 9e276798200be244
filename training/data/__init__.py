"""Files in, batches out: files → text → token cache → held-out split → batches.

- corpus.py: files and folders in, one clean text out; the one file scanner every reader uses
- corpus_messages.py: every sentence a person reads about a refused corpus or file, once
- read_progress.py: how far reading a corpus has got, and the person's Stop
- text_stream.py: corpus files as a stream of text pieces, never one giant string
- corpus_stats.py: what the corpus panel shows, read a chunk at a time
- text_end.py: the end of a corpus in bounded memory, for the window's measurements
- documents.py: a corpus as documents: one per file, per line, or cut at a separator
- document_stream.py: the streamed text cut into documents, a long one as a stream of its pieces
- document_dedup.py: each document's text once, a long one checked without holding it
- token_encode.py: tokenising a stream of pieces, with the ids of encoding it whole
- bpe_ids.py: byte-level BPE ids, each distinct piece encoded once
- ingest_words.py: word-level ids for big corpora, numpy doing the per-word work
- ingest_documents.py: documents streamed into the token file, each ending with its end id
- token_cache.py: a corpus tokenised once, memory-mapped by every run that follows, checked
- cache_stamp.py: a token file's stamp and crc32: read whole only when it moved
- cache_leftovers.py: what a killed writer leaves in the cache, and deleting it
- cache_limit.py: the token cache's size limit, and deleting least recently used entries
- entry_lock.py: which cache entries are in use, so that no process deletes them
- token_scans.py: scans.json: which files have not changed since they were hashed
- ingest.py: corpus files in, a memory-mapped token file out
- heap_trim.py: freed memory handed back while a corpus is read, for a flat peak
- holdout.py: which tokens a run never trains on (whole files, or stripes), and DataSplit
- overlap.py: how much held-out text training also holds, and the held-out text without it
- overlap_cache.py: that measurement kept beside a cached corpus's tokens, made once
- batching.py: token arrays and the stateful batch layout of truncated BPTT
"""

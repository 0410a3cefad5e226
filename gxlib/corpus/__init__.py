"""Build a Parquet corpus from folders and zip archives of reports, and load it lazily.

    >>> from gxlib.corpus import build_corpus, load_corpus
    >>> summary = build_corpus(["reports/", "more.zip"], "corpus/")      # parallel, incremental
    >>> print(summary)
    >>> c = load_corpus("corpus/")                                        # polars LazyFrames
    >>> c.cells.join(c.reports, on="report_id").group_by("year", "row").agg(pl.col("value").sum())

Command line: ``gx build SRC... -o DIR [--workers N] [--dask-scheduler tcp://host:8786]
[--timeout S] [--aliases FILE] [--registry FILE] [--no-progress]``.

Corpus layout
-------------
::

    DIR/
      manifest.json                    # written last, atomically: the only list of live parts
      reports/year=<Y>/part-<batch>.parquet    # one row per report            (frames.REPORTS)
      cells/year=<Y>/part-<batch>.parquet      # one row per printed cell      (frames.CELLS)
      narrative/year=<Y>/part-<batch>.parquet  # numbers stated in the text    (frames.NARRATIVE)
      findings/year=<Y>/part-<batch>.parquet   # per-report check findings     (frames.FINDINGS)
      errors/part-<batch>.parquet      # files that could not be read  (frames.ERRORS)
      errors/part-build-<hash>.parquet # errors found while scanning the sources / running corpus checks
      findings_corpus/part-<hash>.parquet  # corpus-scope findings (cross-year checks), recomputed when their inputs change
      registry/part-<hash>.parquet     # one row per body (frames.REGISTRY, gxlib.registry), recomputed likewise
      _journal/<batch>.json            # present only while (or after an interrupted) build runs

* Format 2 (``format_version``): the per-report tables are partitioned by the report's year, hive
  style (``year=2021``; ``year=__HIVE_DEFAULT_PARTITION__`` for reports whose year is unknown), one
  file per batch and year; ``year`` is also stored in the ``reports`` files (a part read alone has the
  full schema).  Parts are zstd-compressed with Parquet statistics.  :func:`load_corpus` scans
  ``reports`` with ``hive_partitioning=True``: a filter on ``year`` opens only that year's files;
  ``load_corpus(DIR, years=[…])`` restricts every per-report table to those years' files.  A format 1
  corpus (one file per batch and table) is reparsed into format 2 by the next build.
* A column added to a table's schema after a part was written loads as null from that part (the
  format stays 2; the parser version, which changes with the schema, reparses it on the next build):
  e.g. ``reports.unread_pages`` / ``pictured_tables``, read by ``template.missing_table`` when the
  stored rows are re-checked with :func:`gxlib.checks.check_report`.
* A batch's entry in ``manifest.json`` ``parts`` lists, per table, its files (one per year) and the
  table's total rows; ``writer`` (host:pid) when a cluster worker wrote them.
* ``<batch>`` is the first 16 hex digits of sha256(parser version + the sorted sha256 of the batch's
  files): the same files parsed by the same gxlib always give the same part names.
* A table part is written only when the batch has rows for it; tables without any part load as empty
  frames of their schema.  ``reports`` parts written with an alias table are named
  ``part-<batch>.a<8 hex of the alias table>.parquet``.
* ``_state/sources.json`` is a stat cache (path → size, mtime, sha256) so unchanged files are not
  re-hashed; it is only a cache (a stale one is still correct) and ``load_corpus`` never reads it.
* ``manifest.json`` holds ``format`` (``"gxlib-corpus"``), ``format_version``, ``parser_version``
  (``gxlib.PARSER_VERSION``), ``parts`` (batch → its number of files, its part paths and row counts),
  ``files`` (sha256 → ``status`` ok | failed, ``source``, ``part``, and ``stage``/``error`` when
  failed), ``build`` (the corpus-wide parts), ``wide`` (what the corpus-wide steps were computed
  from and gave: :mod:`gxlib.corpus.state`), ``aliases`` (digest of the alias table), ``counts``
  (rows per table, files by status) and ``last_build`` (the summary of the latest build).

How a build works
-----------------
* Sources are walked recursively (folders, single files, ``.zip`` archives whose members are read in
  memory and recorded as ``archive.zip!member/path.html``).  Report files: ``.html .htm .shtml .txt
  .md .markdown .pdf .docx .mht .mhtml`` (and ``.doc .wps``; a folder's README.md is skipped).  Hidden files and folders, our own
  ``*.truth.json``, non-regular files (FIFOs, sockets) and other extensions are skipped and counted by
  reason; a file whose content (sha256) was already seen is skipped as a duplicate.
* A ``gx fetch`` folder (one holding ``fetch-manifest.json``) is read from its manifest: the latest
  version of each document marked ``build``; a ``.warc``/``.warc.gz`` file contributes the report
  responses its ``metadata`` records mark (``file.warc.gz!URL``).  Both set ``reports.source_url``, and
  ``published`` from the page when the document prints no date (``gxlib.fetch``).
* Files are parsed in batches on a :class:`concurrent.futures.Executor`: a local
  ``ProcessPoolExecutor`` (``spawn``; default ``workers`` = CPU count), a Dask distributed executor
  (``dask_scheduler="tcp://host:8786"``), or any executor given.  Local (and custom-executor) workers
  return Arrow IPC bytes, one stream per table, and the building process writes the parts; Dask
  workers write their parts into the corpus folder themselves (shared storage, same path on every
  machine) and return only paths, row counts and per-file entries.
* Incremental: a file whose sha256 is in the corpus with the same parser version is not parsed again
  ("unchanged"); a new parser version reparses everything and the old parts are dropped at the end.
  The corpus mirrors the sources of the latest build: files no longer found (or changed) leave it.
  Files that failed by ``timeout`` or ``worker`` death are retried on the next build.
  The corpus-wide steps and the aggregates run again only when their inputs changed (a part file
  added, removed or rewritten, another alias table, registry file, roster or gxlib): a rebuild over
  unchanged sources stats them, checks the parts, says "corpus-wide steps skipped" and rewrites no
  Parquet file (:mod:`gxlib.corpus.state`).  Parts of batches whose files did not change are kept
  as they are.
* Atomic: every part is written to a temp file in the same folder, fsynced and renamed; after its
  parts, each batch writes ``_journal/<batch>.json``; ``manifest.json`` is replaced last.  A build
  killed midway leaves the previous corpus loadable (``load_corpus`` reads only the manifest's parts)
  and the next build resumes from the journal ("resumed").  One build at a time (an ``flock`` on
  ``.gx-build.lock``: the kernel releases it when its holder dies).  A first build's manifest says
  ``"complete": false`` until it ends (``load_corpus`` refuses it).  Damaged parts, confined part
  paths, moved sources, ``--verify`` / ``--repair``: :mod:`gxlib.recovery`.  Per-file size, member,
  nesting, page, time and memory limits: :mod:`gxlib.budget`.
* Fault-tolerant: every failure is a row in ``errors`` (source, sha256, stage, error class, reason)
  and the build goes on.  Per-file ``timeout``: ``SIGALRM`` in process workers (interrupts Python code
  and blocking system calls); in threads (Dask workers run tasks in threads) an asynchronous exception
  (interrupts Python code only).  Backstop: a worker process stuck past twice the limit (a C call that
  ignores both) ends itself, which is handled as a worker death: the batch's files are retried
  (alone, in a one-process pool for the local pool; by bisection on other executors) and the culprit
  is recorded with stage ``worker``.
* After parsing, the alias table (``gxlib.agency.load_aliases``) recomputes ``reports.agency_key``
  without reparsing (part by part), then the corpus-wide steps (:data:`gxlib.corpus.wide.STEPS`: the
  cross-year checks of ``gxlib.checks.check_corpus`` per bucket of agencies, the registry and its
  roll-ups per year) run as lazy polars queries over the parts, bounded by a partition in memory.

Modules
-------
``layout`` (names, format constants, :class:`CorpusError`), ``summary`` (:class:`BuildSummary`), ``scan``
(discovery and hashing), ``worker`` (parsing a batch under limits; :func:`run_bounded`, :func:`conform`),
``parse`` (executors and the parse loop), ``store`` (atomic writes, manifest, parts, journal, compaction,
clean-up), ``wide`` (the corpus-wide steps run after parsing), ``state`` (their inputs' digest: skipped when unchanged), ``load`` (:func:`load_corpus`,
:class:`Corpus`, :func:`verify_corpus`), ``build`` (:func:`build_corpus`), ``cli`` (``gx build``).
"""


from .build import build_corpus
from .cli import main
from .layout import (
    ARCHIVE_EXTS,
    CORPUS_FINDINGS,
    FORMAT,
    FORMAT_VERSION,
    JOURNAL,
    LOCK,
    MANIFEST,
    REGISTRY,
    REPORT_EXTS,
    RETRY_STAGES,
    TABLES,
    WARC_EXTS,
    CorpusError,
)
from .load import Corpus, load_corpus, verify_corpus
from .summary import BuildSummary
from .worker import _default_read, _parse_batch, conform, run_bounded

__all__ = [
    "ARCHIVE_EXTS", "CORPUS_FINDINGS", "FORMAT", "FORMAT_VERSION", "JOURNAL", "LOCK", "MANIFEST", "REGISTRY",
    "REPORT_EXTS", "RETRY_STAGES", "TABLES", "WARC_EXTS", "BuildSummary", "Corpus", "CorpusError",
    "_default_read", "_parse_batch", "build_corpus", "conform", "load_corpus", "main", "run_bounded", "verify_corpus",
]

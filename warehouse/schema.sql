-- losstally warehouse schema. Idempotent: every statement may run on every start.
-- Columns use the words of the figure contract (../shared/corpus/ANNOTATION.md).

create table if not exists run (
    run_id          varchar not null,     -- the Prefect flow run id (or a local uuid)
    flow_run_name   varchar,
    raw_dir         varchar,
    started_at      timestamp not null,
    finished_at     timestamp,
    extractor_version varchar,
    files_seen      integer,
    files_loaded    integer,
    files_skipped   integer,
    files_quarantined integer,
    articles_loaded integer,
    figures_loaded  integer,
    figures_quarantined integer
);

create table if not exists article (
    article_id      varchar not null,     -- sha256 of the article's content
    file            varchar not null,     -- path relative to the raw folder (#N for a line or item)
    source_file     varchar not null,     -- the raw file it came from, relative to the raw folder
    file_sha256     varchar not null,     -- sha256 of the whole raw file
    format          varchar not null,     -- txt, md, html, json, jsonl
    encoding        varchar not null,
    title           varchar,
    outlet          varchar,
    url             varchar,
    published_at    date,
    text            varchar not null,     -- the text the figure offsets index into
    extractor_version varchar not null,
    ingested_at     timestamp not null,
    run_id          varchar not null
);

create table if not exists figure (
    figure_id       varchar not null,
    article_id      varchar not null,
    file            varchar not null,
    value           bigint not null,
    value_high      bigint,
    qualifier       varchar not null,
    qualifier_rule  varchar,
    category        varchar not null,
    party           varchar,
    claimant        varchar not null,
    claimant_party  varchar,
    start           integer not null,
    "end"           integer not null,
    sentence        varchar,
    run_id          varchar not null,
    loaded_at       timestamp not null
);

-- Figures that failed a critical data-quality check: kept for inspection, never in `figure`.
create table if not exists figure_quarantine (
    figure_id       varchar,
    article_id      varchar,
    file            varchar,
    value           bigint,
    value_high      bigint,
    qualifier       varchar,
    category        varchar,
    party           varchar,
    claimant        varchar,
    claimant_party  varchar,
    start           integer,
    "end"           integer,
    sentence        varchar,
    check_name      varchar not null,
    severity        varchar not null,
    reason          varchar not null,
    offending       varchar,
    run_id          varchar not null,
    quarantined_at  timestamp not null
);

-- One row per file (or item of a .json/.jsonl file) seen per run.
create table if not exists ingest_log (
    run_id          varchar not null,
    path            varchar not null,     -- the file, or file#N for an item of a .json/.jsonl file
    source_file     varchar not null,     -- the raw file, relative to the raw folder
    file_sha256     varchar,
    article_id      varchar,
    status          varchar not null,     -- loaded | skipped | quarantined
    reason          varchar,
    figures         integer,
    logged_at       timestamp not null
);

create table if not exists dq_result (
    run_id          varchar not null,
    suite           varchar not null,
    check_name      varchar not null,
    expectation     varchar,
    severity        varchar not null,
    success         boolean not null,
    unexpected_count bigint not null,
    sample          varchar,
    checked_at      timestamp not null,
    rows_checked    bigint                -- rows the check looked at (0: a suite with no new rows this run)
);
alter table dq_result add column if not exists rows_checked bigint;

-- Figures that failed a warning check: they are in `figure` and flagged here. GX warnings come with
-- their batch (deleted with a replaced article); consistency flags are recomputed by every run.
create table if not exists figure_flag (
    figure_id       varchar not null,
    article_id      varchar,
    check_name      varchar not null,
    severity        varchar not null,
    reason          varchar not null,
    offending       varchar,
    run_id          varchar not null,
    flagged_at      timestamp not null
);

create table if not exists category (
    category        varchar not null,
    category_group  varchar not null,     -- personnel, equipment, sites, other
    lenient_group   varchar not null,     -- categories scored as equal in the lenient variant
    description     varchar
);

create table if not exists claimant (
    claimant        varchar not null,
    claimant_party  varchar,              -- null for third parties
    kind            varchar               -- government, military, intelligence, independent_monitor, media
);

create table if not exists party (
    party           varchar not null
);

-- Issue 5: when a figure was claimed and what period it covers (transforms/timing.py).
alter table figure add column if not exists claim_date date;
alter table figure add column if not exists claim_date_rule varchar;
alter table figure add column if not exists period varchar;   -- day, week, month, cumulative, event, or null
alter table figure_quarantine add column if not exists qualifier_rule varchar;
alter table figure_quarantine add column if not exists claim_date date;
alter table figure_quarantine add column if not exists claim_date_rule varchar;
alter table figure_quarantine add column if not exists period varchar;

-- Nothing is overwritten: an article replaced by a changed file (or re-extracted by `reprocess`)
-- moves here with its figures, stamped with when and by which run it was superseded.
create table if not exists article_history as select * from article with no data;
alter table article_history add column if not exists superseded_at timestamp;
alter table article_history add column if not exists superseded_by_run varchar;
create table if not exists figure_history as select * from figure with no data;
alter table figure_history add column if not exists claim_date date;
alter table figure_history add column if not exists claim_date_rule varchar;
alter table figure_history add column if not exists period varchar;
alter table figure_history add column if not exists superseded_at timestamp;
alter table figure_history add column if not exists superseded_by_run varchar;

-- A claim: the same claimant, party, category, value and qualifier reported by one or more articles
-- within a few days (echo detection). Rebuilt from `figure` after every run (warehouse/claims.sql).
create table if not exists claim (
    claim_id        varchar not null,
    claimant        varchar not null,
    claimant_party  varchar,
    party           varchar,
    category        varchar not null,
    value           bigint not null,
    value_high      bigint,
    qualifier       varchar not null,
    period          varchar,
    first_seen      date,
    last_seen       date,
    mention_count   integer not null,
    outlet_count    integer not null,
    provenance_figure_id varchar not null,   -- the earliest figure of the claim
    provenance_article_id varchar not null
);

alter table run add column if not exists claims integer;

-- What was loaded from each raw file, so that a rerun need not re-hash unchanged files.
create table if not exists file_state (
    source_file     varchar not null,
    size            bigint not null,
    mtime_ns        bigint not null,
    file_sha256     varchar not null,
    run_id          varchar not null
);

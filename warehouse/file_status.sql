-- Files of one run by outcome: a file counts as loaded when any of its articles loaded.
with log as (
    select source_file, status from ingest_log where run_id = getvariable('run_id')
),
per_file as (
    select
        source_file,
        case
            when bool_or(status = 'loaded') then 'loaded'
            when bool_or(status = 'quarantined') then 'quarantined'
            else 'skipped'
        end as outcome
    from log
    group by source_file
),
final as (
    select
        count(*) filter (where outcome = 'loaded') as files_loaded,
        count(*) filter (where outcome = 'skipped') as files_skipped,
        count(*) filter (where outcome = 'quarantined') as files_quarantined
    from per_file
)
select * from final

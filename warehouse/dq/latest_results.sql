-- The dq_result rows of one run ($run_id), or of the latest run when $run_id is null.
with results as (
    select * from dq_result
),
latest as (
    select coalesce($run_id, (select arg_max(run_id, checked_at) from results)) as run_id
),
final as (
    select r.run_id, r.suite, r.check_name, r.severity, r.success, r.rows_checked, r.unexpected_count,
           r.sample, r.checked_at
    from results r
    join latest using (run_id)
    order by r.suite, r.check_name
)
select * from final

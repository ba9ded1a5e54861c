-- One row per loaded figure with its article, category group and claimant kind: the ad hoc view.
create or replace view v_figure as
with figures as (
    select * from figure
),
articles as (
    select article_id, title, outlet, url, published_at, ingested_at from article
),
final as (
    select
        f.file,
        f.article_id,
        f.figure_id,
        f.value,
        f.value_high,
        f.qualifier,
        f.qualifier_rule,
        f.category,
        c.category_group,
        f.party,
        f.claimant,
        f.claimant_party,
        cl.kind as claimant_kind,
        f.start,
        f."end",
        f.sentence,
        a.title,
        a.outlet,
        a.url,
        a.published_at,
        a.ingested_at,
        f.run_id
    from figures f
    join articles a using (article_id)
    left join category c using (category)
    left join claimant cl using (claimant)
)
select * from final

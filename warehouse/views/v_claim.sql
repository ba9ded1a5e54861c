-- One row per claim (see warehouse/claims.sql) with its claimant kind, category group and the
-- sentence, file and outlet of its earliest figure (the claim's provenance).
create or replace view v_claim as
with claims as (
    select * from claim
),
provenance as (
    -- only the claims' earliest figures: joining every figure would hold all their sentences
    select f.figure_id, f.file, f.sentence, a.outlet, a.url, a.published_at
    from figure f
    join article a using (article_id)
    where f.figure_id in (select provenance_figure_id from claims)
),
final as (
    select
        c.claim_id,
        c.claimant,
        cl.kind as claimant_kind,
        c.claimant_party,
        c.party,
        c.category,
        cat.category_group,
        c.value,
        c.value_high,
        c.qualifier,
        c.period,
        c.first_seen,
        c.last_seen,
        c.mention_count,
        c.outlet_count,
        p.file as provenance_file,
        p.outlet as provenance_outlet,
        p.sentence as provenance_sentence,
        c.provenance_figure_id
    from claims c
    left join provenance p on p.figure_id = c.provenance_figure_id
    left join claimant cl using (claimant)
    left join category cat using (category)
)
select * from final

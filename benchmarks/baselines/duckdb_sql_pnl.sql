-- The contract's customer P&L (DATA_CONTRACT.md section 3) hand-written in DuckDB SQL.
--
-- The baseline for "how fast can this engine do it": valid data assumed (no quarantine), one
-- statement per table, periods kept as DATE (first day of the period) and labelled only at
-- the end, activity minutes summed per (activity, period, owner, line) before pricing, the
-- carrying cost by intervals of constant balance (window sum + lead) joined to the period
-- calendar, and every P&L line assembled in one wide UNION ALL + GROUP BY.
--
-- duckdb_sql_pnl.py sets up, before running this file:
--   views     customers, prospects, invoice_lines, payments, activities, resource_costs,
--             commissions, referrals (typed; absent tables/columns are empty/NULL)
--   tables    m_resources(resource, cost, capacity_minutes)
--             m_activities(activity, category, base_minutes, minutes_per_unit, per)
--             m_uses(activity, resource)
--             m_product_rate(product_id, rate), m_segment_rate(segment, rate)
--   variables period_unit ('month'|'quarter'), as_of_arg (DATE or NULL), carrying_rate,
--             default_rate, has_commissions (BOOLEAN)
-- and afterwards COPYs customer_pnl, customer_summary and resource_usage to files.

SET VARIABLE as_of = (
    SELECT coalesce(getvariable('as_of_arg'), max(d)) FROM (
        SELECT max(invoice_date) AS d FROM invoice_lines
        UNION ALL SELECT max(paid_on) FROM payments
        UNION ALL SELECT max(occurred_on) FROM activities
        UNION ALL SELECT max(referred_on) FROM referrals
        UNION ALL SELECT max(paid_on) FROM commissions));

CREATE MACRO period_of(d) AS date_trunc(getvariable('period_unit'), d)::DATE;
CREATE MACRO period_label(p) AS CASE WHEN getvariable('period_unit') = 'month'
    THEN strftime(p, '%Y-%m') ELSE year(p)::VARCHAR || '-Q' || quarter(p)::VARCHAR END;

CREATE TEMP TABLE calendar AS
WITH bounds AS (
    SELECT period_of(min(d)) AS first_p, period_of(getvariable('as_of')::DATE) AS last_p,
           CASE WHEN getvariable('period_unit') = 'month' THEN INTERVAL 1 MONTH
                ELSE INTERVAL 3 MONTH END AS step
    FROM (SELECT min(invoice_date) AS d FROM invoice_lines
          UNION ALL SELECT min(paid_on) FROM payments
          UNION ALL SELECT min(occurred_on) FROM activities
          UNION ALL SELECT min(referred_on) FROM referrals))
SELECT g.p::DATE AS period_start, (g.p + step - INTERVAL 1 DAY)::DATE AS period_end
FROM bounds, generate_series(first_p, last_p, step) AS g(p);

-- cost, capacity and cost per minute of every resource in every period
CREATE TEMP TABLE rates AS
SELECT r.resource, c.period_start AS p,
       coalesce(o.cost, r.cost) AS cost,
       coalesce(o.capacity_minutes, r.capacity_minutes) AS capacity_minutes,
       coalesce(o.cost, r.cost) / coalesce(o.capacity_minutes, r.capacity_minutes) AS rate
FROM m_resources r CROSS JOIN calendar c
LEFT JOIN resource_costs o ON o.resource = r.resource AND o.period = period_label(c.period_start);

CREATE TEMP TABLE invoices AS
SELECT invoice_id, min(customer_id) AS customer_id, min(invoice_date) AS invoice_date,
       sum(revenue) AS amount, count(*) AS n_lines
FROM invoice_lines GROUP BY invoice_id;

-- minutes per activity, period, owner (NULL for pursuits) and P&L line
CREATE TEMP TABLE minutes AS
WITH occ AS (
    SELECT a.activity, d.category, a.occurred_on, a.customer_id, a.prospect_id,
           coalesce(a.minutes, d.base_minutes + d.minutes_per_unit * coalesce(a.quantity, 1))
               AS minutes
    FROM activities a JOIN m_activities d USING (activity)
    UNION ALL
    SELECT d.activity, d.category, i.invoice_date, i.customer_id, NULL,
           d.base_minutes + d.minutes_per_unit * i.n_lines
    FROM invoices i CROSS JOIN m_activities d WHERE d.per = 'invoice'
), owned AS (
    SELECT occ.*, coalesce(occ.customer_id, p.converted_customer_id) AS owner
    FROM occ LEFT JOIN prospects p ON occ.prospect_id = p.prospect_id
)
SELECT o.activity, period_of(o.occurred_on) AS p, o.owner,
       CASE WHEN o.owner IS NULL THEN 'pursuit'
            WHEN o.prospect_id IS NOT NULL THEN 'acquisition_cost'
            WHEN o.category = 'sales' AND o.occurred_on < c.acquired_on THEN 'acquisition_cost'
            ELSE o.category || '_cost' END AS line,
       sum(o.minutes) AS minutes
FROM owned o LEFT JOIN customers c ON c.customer_id = o.owner
GROUP BY ALL;

CREATE TEMP TABLE customer_pnl_p AS
WITH activity_rate AS (
    SELECT u.activity, r.p, sum(r.rate) AS rate
    FROM m_uses u JOIN rates r USING (resource) GROUP BY ALL
), priced AS (
    SELECT m.owner AS customer_id, m.p, m.line, m.minutes * ar.rate AS amount
    FROM minutes m JOIN activity_rate ar USING (activity, p)
    WHERE m.line <> 'pursuit'
), moves AS (
    SELECT invoice_id, customer_id, invoice_date AS day, amount AS delta FROM invoices
    UNION ALL
    SELECT i.invoice_id, i.customer_id, greatest(pay.paid_on, i.invoice_date), -pay.amount
    FROM payments pay JOIN invoices i USING (invoice_id)
), steps AS (
    SELECT invoice_id, customer_id, day, sum(delta) AS delta FROM moves GROUP BY ALL
), runs AS (
    SELECT customer_id, day AS start,
           coalesce(lead(day) OVER w - 1, getvariable('as_of')::DATE) AS stop,
           sum(delta) OVER w AS balance
    FROM steps WINDOW w AS (PARTITION BY invoice_id ORDER BY day)
), sales AS (
    -- the lines summed per customer and period first: about a quarter as many rows to place
    -- among the final aggregate's millions of groups
    SELECT l.customer_id, period_of(l.invoice_date) AS p, sum(l.revenue) AS revenue,
           sum(l.cost) AS cogs,
           CASE WHEN getvariable('has_commissions') THEN 0.0
                ELSE sum(l.revenue * coalesce(pr.rate, sr.rate, getvariable('default_rate')))
           END AS commission
    FROM invoice_lines l
    LEFT JOIN m_product_rate pr ON pr.product_id = l.product_id
    LEFT JOIN customers c ON c.customer_id = l.customer_id
    LEFT JOIN m_segment_rate sr ON sr.segment = c.segment
    GROUP BY ALL
), parts AS (
    SELECT customer_id, p, revenue, cogs, commission,
           0.0 AS acquisition_cost, 0.0 AS sales_cost, 0.0 AS service_cost,
           0.0 AS fulfilment_cost, 0.0 AS credit_cost, 0.0 AS referral_cost
    FROM sales
    UNION ALL
    SELECT customer_id, period_of(paid_on), 0.0, 0.0, amount, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    FROM commissions WHERE getvariable('has_commissions')
    UNION ALL
    SELECT customer_id, p, 0.0, 0.0, 0.0,
           CASE line WHEN 'acquisition_cost' THEN amount ELSE 0.0 END,
           CASE line WHEN 'sales_cost' THEN amount ELSE 0.0 END,
           CASE line WHEN 'service_cost' THEN amount ELSE 0.0 END,
           CASE line WHEN 'fulfilment_cost' THEN amount ELSE 0.0 END, 0.0, 0.0
    FROM priced
    UNION ALL
    SELECT i.customer_id, period_of(pay.paid_on), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
           pay.amount, 0.0
    FROM payments pay JOIN invoices i USING (invoice_id)
    WHERE coalesce(pay.kind, 'payment') = 'write_off'
    UNION ALL
    SELECT r.customer_id, c.period_start, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
           r.balance * ((least(r.stop, c.period_end) - greatest(r.start, c.period_start)) + 1)
               * getvariable('carrying_rate') / 365.0,
           0.0
    FROM runs r JOIN calendar c ON r.start <= c.period_end AND r.stop >= c.period_start
    WHERE r.balance > 0 AND r.start <= r.stop
    UNION ALL
    SELECT referrer_id, period_of(referred_on), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
           coalesce(reward, 0.0)
    FROM referrals
), sums AS (
    SELECT customer_id, p, sum(revenue) AS revenue, sum(cogs) AS cogs,
           sum(commission) AS commission, sum(acquisition_cost) AS acquisition_cost,
           sum(sales_cost) AS sales_cost, sum(service_cost) AS service_cost,
           sum(fulfilment_cost) AS fulfilment_cost, sum(credit_cost) AS credit_cost,
           sum(referral_cost) AS referral_cost
    FROM parts
    GROUP BY customer_id, p
)
SELECT customer_id, p,
       round(revenue, 6) AS revenue, round(cogs, 6) AS cogs,
       round(revenue - cogs, 6) AS gross_margin, round(commission, 6) AS commission,
       round(acquisition_cost, 6) AS acquisition_cost, round(sales_cost, 6) AS sales_cost,
       round(service_cost, 6) AS service_cost, round(fulfilment_cost, 6) AS fulfilment_cost,
       round(credit_cost, 6) AS credit_cost, round(referral_cost, 6) AS referral_cost,
       round(revenue - cogs - commission - acquisition_cost - sales_cost - service_cost
             - fulfilment_cost - credit_cost - referral_cost, 6) AS profit
FROM sums;

CREATE TEMP TABLE customer_pnl AS
SELECT customer_id, period_label(p) AS period, * EXCLUDE (customer_id, p)
FROM customer_pnl_p
WHERE revenue <> 0 OR cogs <> 0 OR commission <> 0 OR acquisition_cost <> 0
   OR sales_cost <> 0 OR service_cost <> 0 OR fulfilment_cost <> 0 OR credit_cost <> 0
   OR referral_cost <> 0;

CREATE TEMP VIEW customer_summary AS
WITH totals AS (
    SELECT customer_id, sum(revenue) AS revenue, sum(cogs) AS cogs,
           sum(gross_margin) AS gross_margin, sum(commission) AS commission,
           sum(acquisition_cost) AS acquisition_cost, sum(sales_cost) AS sales_cost,
           sum(service_cost) AS service_cost, sum(fulfilment_cost) AS fulfilment_cost,
           sum(credit_cost) AS credit_cost, sum(referral_cost) AS referral_cost,
           sum(profit) AS profit
    FROM customer_pnl GROUP BY customer_id
), joined AS (
    SELECT c.customer_id, c.segment,
           t.* EXCLUDE (customer_id)
    FROM customers c LEFT JOIN totals t USING (customer_id)
), filled AS (
    SELECT customer_id, segment,
           round(coalesce(COLUMNS(* EXCLUDE (customer_id, segment)), 0.0), 6)
    FROM joined
), cents AS (
    SELECT *, round(profit * 100)::BIGINT AS _cents FROM filled
)
SELECT * EXCLUDE (_cents),
       row_number() OVER w AS rank,
       round(sum(_cents) OVER (w ROWS UNBOUNDED PRECEDING)
             / nullif(sum(_cents) OVER (), 0), 6) AS cumulative_profit_share
FROM cents
WINDOW w AS (ORDER BY _cents DESC, customer_id);

CREATE TEMP VIEW resource_usage AS
WITH used AS (
    SELECT u.resource, m.p, sum(m.minutes) AS used,
           coalesce(sum(m.minutes) FILTER (WHERE m.line = 'pursuit'), 0.0) AS pursuit
    FROM minutes m JOIN m_uses u USING (activity) GROUP BY ALL
), costed AS (
    SELECT r.resource, r.p, round(r.cost, 6) AS cost, r.capacity_minutes,
           coalesce(used, 0.0) AS used_minutes,
           round((coalesce(used, 0.0) - coalesce(pursuit, 0.0)) * r.rate, 6) AS customer_cost,
           round(coalesce(pursuit, 0.0) * r.rate, 6) AS pursuit_cost
    FROM rates r LEFT JOIN used USING (resource, p)
)
SELECT resource, period_label(p) AS period, cost, capacity_minutes, used_minutes,
       customer_cost, pursuit_cost, round(cost - customer_cost - pursuit_cost, 6) AS unused_cost
FROM costed;

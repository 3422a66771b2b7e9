#!/bin/bash
# How a revision's in-place updates fare at each fillfactor of rc_line and revenue_contract (docs/performance.md,
# "A revision's updates stay on their pages"). Run on a PostgreSQL database bench/bench_e2e.py built (e.g.
# --lines 100000), which it leaves at the setting of migration 0038 (80) with the tables rewritten:
#   bash bench/fillfactor_probe.sh postgresql://postgres@127.0.0.1:5432/bench17 [fillfactor ...]
# Each setting: the table rewritten (VACUUM FULL), then the update of a fifth of the rows, rolled back:
# time, WAL, and how many of the updates were HOT.
set -euo pipefail
url=$1; shift
settings=${*:-100 90 85 80}
for ff in $settings; do
  for table in rc_line revenue_contract; do
    psql -q "$url" -c "ALTER TABLE $table SET (fillfactor = $ff)" -c "VACUUM FULL $table" -c "ANALYZE $table"
  done
  echo "== fillfactor $ff: rc_line $(psql -At "$url" -c "SELECT pg_relation_size('rc_line') / 1024") kB"
  psql -q "$url" <<'SQL' | grep -E 'Execution Time|WAL:|hot'
BEGIN;
EXPLAIN (ANALYZE, WAL, COSTS OFF)
  UPDATE rc_line SET allocated = allocated + 0, ssp = ssp WHERE id IN (SELECT id FROM rc_line WHERE current_flag AND rc_id % 5 = 0);
SELECT 'rc_line hot ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'rc_line';
ROLLBACK;
SQL
  for table in rc_line revenue_contract; do
    psql -q "$url" -c "VACUUM FULL $table"  # the rolled-back versions out of the pages again
  done
  psql -q "$url" <<'SQL' | grep -E 'Execution Time|WAL:'
BEGIN;
EXPLAIN (ANALYZE, WAL, COSTS OFF)
  UPDATE revenue_contract SET updated_at = now(), version = version + 1 WHERE id % 5 = 0;
ROLLBACK;
SQL
done
for table in rc_line revenue_contract; do
  psql -q "$url" -c "ALTER TABLE $table SET (fillfactor = 80)" -c "VACUUM FULL $table"
done

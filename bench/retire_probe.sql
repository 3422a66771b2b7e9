-- Retiring line and schedule versions with and without current_flag in their indexes (migration 0039;
-- docs/performance.md, "Retiring a version in place"). Run on a PostgreSQL database bench/bench_e2e.py built
-- (e.g. --lines 1000000):
--   psql postgresql://postgres@127.0.0.1:5432/bench17 -f bench/retire_probe.sql | grep -E '^(UPDATE|Time|hot)'
-- The current rows of rc_line and rc_schedule are copied into tables laid out as before 0039 (*_flag_indexed:
-- the flag in ix_rc_line_client_line / ix_rc_schedule_*, rc_schedule at fillfactor 100, rc_line at 80 as
-- since 0038) and as since (*_flag_free: the flag in no index, both at 80). A fifth of the rows (those of
-- every fifth contract, as the benchmark's later lines revise) are then retired, rolled back, twice each;
-- the copies are ordinary (logged) tables, dropped at the end.
\timing on
CREATE TABLE s_flag_indexed (LIKE rc_schedule INCLUDING DEFAULTS) WITH (fillfactor = 100);
CREATE TABLE s_flag_free (LIKE rc_schedule INCLUDING DEFAULTS) WITH (fillfactor = 80);
CREATE TABLE l_flag_indexed (LIKE rc_line INCLUDING DEFAULTS) WITH (fillfactor = 80);
CREATE TABLE l_flag_free (LIKE rc_line INCLUDING DEFAULTS) WITH (fillfactor = 80);
INSERT INTO s_flag_indexed SELECT * FROM rc_schedule WHERE current_flag ORDER BY id;
INSERT INTO s_flag_free SELECT * FROM s_flag_indexed ORDER BY id;
INSERT INTO l_flag_indexed SELECT * FROM rc_line WHERE current_flag ORDER BY id;
INSERT INTO l_flag_free SELECT * FROM l_flag_indexed ORDER BY id;
ALTER TABLE s_flag_indexed ADD PRIMARY KEY (id);
CREATE INDEX ON s_flag_indexed (rc_id, current_flag);
CREATE INDEX ON s_flag_indexed (client_id, current_flag);
ALTER TABLE s_flag_free ADD PRIMARY KEY (id);
CREATE INDEX ON s_flag_free (rc_id);
CREATE INDEX ON s_flag_free (client_id);
-- rc_line's eight indexes, ix_rc_line_client_line with or without the flag
ALTER TABLE l_flag_indexed ADD PRIMARY KEY (id);
CREATE INDEX ON l_flag_indexed (client_id, line_id, current_flag);
ALTER TABLE l_flag_free ADD PRIMARY KEY (id);
CREATE INDEX ON l_flag_free (client_id, line_id);
CREATE INDEX ON l_flag_indexed (rc_id);
CREATE INDEX ON l_flag_free (rc_id);
CREATE INDEX ON l_flag_indexed (client_id, so_num, rc_id);
CREATE INDEX ON l_flag_free (client_id, so_num, rc_id);
CREATE INDEX ON l_flag_indexed (client_id, item_num, rc_id);
CREATE INDEX ON l_flag_free (client_id, item_num, rc_id);
CREATE INDEX ON l_flag_indexed (client_id, cust_num varchar_pattern_ops, rc_id);
CREATE INDEX ON l_flag_free (client_id, cust_num varchar_pattern_ops, rc_id);
CREATE INDEX ON l_flag_indexed (client_id, cstmr_nm varchar_pattern_ops, rc_id);
CREATE INDEX ON l_flag_free (client_id, cstmr_nm varchar_pattern_ops, rc_id);
CREATE INDEX ON l_flag_indexed (client_id, so_date, rc_id);
CREATE INDEX ON l_flag_free (client_id, so_date, rc_id);
ANALYZE s_flag_indexed; ANALYZE s_flag_free; ANALYZE l_flag_indexed; ANALYZE l_flag_free;
CREATE TEMP TABLE retired_s AS SELECT id FROM s_flag_indexed WHERE rc_id % 5 = 0;
CREATE TEMP TABLE retired_l AS SELECT id FROM l_flag_indexed WHERE rc_id % 5 = 0;
SELECT 'rows ' || (SELECT count(*) FROM retired_s) || ' schedules, ' || (SELECT count(*) FROM retired_l) || ' lines';
CHECKPOINT;
BEGIN; UPDATE s_flag_indexed t SET current_flag = false FROM retired_s v WHERE t.id = v.id;
SELECT 'hot s_flag_indexed ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_xact_all_tables WHERE relname = 's_flag_indexed'; ROLLBACK;
BEGIN; UPDATE s_flag_free t SET current_flag = false FROM retired_s v WHERE t.id = v.id;
SELECT 'hot s_flag_free ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_xact_all_tables WHERE relname = 's_flag_free'; ROLLBACK;
BEGIN; UPDATE l_flag_indexed t SET current_flag = false FROM retired_l v WHERE t.id = v.id;
SELECT 'hot l_flag_indexed ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_xact_all_tables WHERE relname = 'l_flag_indexed'; ROLLBACK;
BEGIN; UPDATE l_flag_free t SET current_flag = false FROM retired_l v WHERE t.id = v.id;
SELECT 'hot l_flag_free ' || n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_xact_all_tables WHERE relname = 'l_flag_free'; ROLLBACK;
VACUUM s_flag_indexed; VACUUM s_flag_free; VACUUM l_flag_indexed; VACUUM l_flag_free; CHECKPOINT;
BEGIN; UPDATE s_flag_indexed t SET current_flag = false FROM retired_s v WHERE t.id = v.id; ROLLBACK;
BEGIN; UPDATE s_flag_free t SET current_flag = false FROM retired_s v WHERE t.id = v.id; ROLLBACK;
BEGIN; UPDATE l_flag_indexed t SET current_flag = false FROM retired_l v WHERE t.id = v.id; ROLLBACK;
BEGIN; UPDATE l_flag_free t SET current_flag = false FROM retired_l v WHERE t.id = v.id; ROLLBACK;
SELECT 'heap kB ' || relname || ' ' || pg_relation_size(oid) / 1024 FROM pg_class
  WHERE relname IN ('s_flag_indexed', 's_flag_free', 'l_flag_indexed', 'l_flag_free') ORDER BY relname;
DROP TABLE s_flag_indexed, s_flag_free, l_flag_indexed, l_flag_free;

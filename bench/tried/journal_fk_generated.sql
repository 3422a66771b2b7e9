-- One foreign-key check a contract's journal row, keeping the book check of manual entries (session 28,
-- docs/performance.md "Retiring a version in place"): the rows of one period inserted into copies of
-- journal_entry with today's two keys (the book of the client, the contract of the client) and with one key
-- to the contract of the same client and book plus a key to the book through a generated column that is
-- NULL on a contract's row (so checked only on a manual entry's rows, whose rc_id is NULL). Three rounds,
-- alternating. Run on a PostgreSQL database bench/bench_e2e.py built (after its Period Close):
--   psql postgresql://postgres@127.0.0.1:5432/bench17 -f bench/tried/journal_fk_generated.sql | grep -A1 '^INSERT'
\timing on
CREATE UNIQUE INDEX tmp_rc_client_book_id ON revenue_contract (client_id, book_id, id);
CREATE TABLE je_two (LIKE journal_entry INCLUDING DEFAULTS INCLUDING INDEXES);
ALTER TABLE je_two ADD FOREIGN KEY (client_id, book_id) REFERENCES book (client_id, id) ON DELETE CASCADE;
ALTER TABLE je_two ADD FOREIGN KEY (client_id, rc_id) REFERENCES revenue_contract (client_id, id) ON DELETE CASCADE;
CREATE TABLE je_gen (LIKE journal_entry INCLUDING DEFAULTS INCLUDING INDEXES);
ALTER TABLE je_gen ADD COLUMN mje_book_id integer GENERATED ALWAYS AS (CASE WHEN rc_id IS NULL THEN book_id END) STORED;
ALTER TABLE je_gen ADD FOREIGN KEY (client_id, book_id, rc_id)
  REFERENCES revenue_contract (client_id, book_id, id) ON DELETE CASCADE;
ALTER TABLE je_gen ADD FOREIGN KEY (client_id, mje_book_id) REFERENCES book (client_id, id) ON DELETE CASCADE;
CHECKPOINT;
INSERT INTO je_two SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_two;
INSERT INTO je_gen SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_gen;
INSERT INTO je_two SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_two;
INSERT INTO je_gen SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_gen;
INSERT INTO je_two SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_two;
INSERT INTO je_gen SELECT * FROM journal_entry WHERE posted_flag; TRUNCATE je_gen;
DROP TABLE je_two; DROP TABLE je_gen; DROP INDEX tmp_rc_client_book_id;

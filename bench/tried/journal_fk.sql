-- The journal's foreign-key checks (session 27, docs/performance.md "A revision's updates stay on their pages"):
-- the same rows inserted into three copies of journal_entry: with today's two foreign keys (the book of the
-- client, the contract of the client), with one key to the contract of the client and book (what would make
-- the book check go), and with none. Run on a PostgreSQL database bench/bench_e2e.py built:
--   psql postgresql://postgres@127.0.0.1:5432/bench17 -f bench/tried/journal_fk.sql | grep -A1 '^INSERT'
\timing on
CREATE UNIQUE INDEX tmp_rc_client_book_id ON revenue_contract (client_id, book_id, id);
CREATE TABLE je_two (LIKE journal_entry INCLUDING DEFAULTS INCLUDING INDEXES);
ALTER TABLE je_two ADD FOREIGN KEY (client_id, book_id) REFERENCES book (client_id, id) ON DELETE CASCADE;
ALTER TABLE je_two ADD FOREIGN KEY (client_id, rc_id) REFERENCES revenue_contract (client_id, id) ON DELETE CASCADE;
CREATE TABLE je_one (LIKE journal_entry INCLUDING DEFAULTS INCLUDING INDEXES);
ALTER TABLE je_one ADD FOREIGN KEY (client_id, book_id, rc_id)
  REFERENCES revenue_contract (client_id, book_id, id) ON DELETE CASCADE;
CREATE TABLE je_none (LIKE journal_entry INCLUDING DEFAULTS INCLUDING INDEXES);
INSERT INTO je_two SELECT * FROM journal_entry; TRUNCATE je_two;
INSERT INTO je_one SELECT * FROM journal_entry; TRUNCATE je_one;
INSERT INTO je_none SELECT * FROM journal_entry; TRUNCATE je_none;
INSERT INTO je_two SELECT * FROM journal_entry; TRUNCATE je_two;
INSERT INTO je_one SELECT * FROM journal_entry; TRUNCATE je_one;
INSERT INTO je_none SELECT * FROM journal_entry; TRUNCATE je_none;
INSERT INTO je_two SELECT * FROM journal_entry; TRUNCATE je_two;
INSERT INTO je_one SELECT * FROM journal_entry; TRUNCATE je_one;
INSERT INTO je_none SELECT * FROM journal_entry; TRUNCATE je_none;
DROP TABLE je_two; DROP TABLE je_one; DROP TABLE je_none; DROP INDEX tmp_rc_client_book_id;

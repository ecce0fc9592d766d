-- Every turn rewrites its conversation's row (snapshot, version, last_activity_at). With no
-- index on any of those columns, a turn that keeps the status is a HOT update: the new row
-- version goes on the same page and no index gets an entry — the seven indexes of this table
-- used to take one each per turn. The sweeper's idle search (status, last_activity_at) uses
-- conversations_status_handoff_idx's leading status instead: only open conversations qualify.
DROP INDEX "conversations_status_activity_idx";

-- Room on each page for the next versions of its rows (HOT needs the same page). Applies to
-- pages written from now on; VACUUM FULL would repack old ones, not needed for correctness.
ALTER TABLE "conversations" SET (fillfactor = 70);

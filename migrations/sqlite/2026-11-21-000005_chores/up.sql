-- Periodic jobs that must cover every day once, whatever the restarts and however many
-- instances run: each records the last day it has covered. The first is the TKDN lapse
-- sweep, which queues for the search index the products whose certificate ran out.
CREATE TABLE chore_runs (
    name         TEXT PRIMARY KEY,
    -- A date (YYYY-MM-DD): everything before it has been covered.
    done_through TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

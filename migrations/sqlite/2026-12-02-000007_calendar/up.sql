-- The working-day calendar: weekdays that are not working days (hari libur nasional and
-- cuti bersama). Weekends are not stored. Seeded per year from configuration and kept
-- by administrators through the API.
CREATE TABLE holidays (
    -- A date (YYYY-MM-DD), which compares correctly as text.
    day        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('national_holiday', 'cuti_bersama')),
    -- The administrator who last set it; NULL for a day seeded from configuration.
    updated_by TEXT REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- The years whose configured list has been loaded once: from then on the list in the
-- database is the administrators' to change, and a restart does not seed it again.
CREATE TABLE holiday_years (
    year      INTEGER PRIMARY KEY,
    seeded_at TIMESTAMP NOT NULL
);

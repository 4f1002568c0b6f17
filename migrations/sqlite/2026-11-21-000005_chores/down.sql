DROP TABLE chore_runs;

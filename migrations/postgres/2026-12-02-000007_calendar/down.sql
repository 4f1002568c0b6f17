DROP TABLE holiday_years;
DROP TABLE holidays;

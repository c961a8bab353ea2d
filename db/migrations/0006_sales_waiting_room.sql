-- A sale's waiting room (DESIGN §8): null when off, else its settings as the admin API takes them
-- ({powBits, admissionTtlSeconds, overbook, prequeueMinutes}; validated by lib/domain/input.ts).
ALTER TABLE sales ADD COLUMN waiting_room jsonb;

-- Events stored before the clock rule (an event time more than 60 s after or 30 days before its
-- received time comes from a wrong clock and becomes the received time, as in Relay) kept the time
-- they were sent with in `timestamp`, while the API, which normalizes the payload again on read,
-- shows the received time. The same rule here, so the events table, the event lists and the event
-- agree (src/ingest/normalize.ts isWrongClock; src/store/digest.ts applies it to new rows).
UPDATE events SET timestamp = received_at
WHERE timestamp > received_at + 60000 OR timestamp < received_at - 2592000000;

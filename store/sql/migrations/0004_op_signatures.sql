-- Op signatures (#17.5): each user's SM2 public key, and the signature of
-- each local op waiting for the hub (the hub checks it; it is not kept once
-- the op is acknowledged). NULL: the op was made with no unlocked key;
-- empty: the op was made before signatures, signed when its user next logs
-- in on this device.
ALTER TABLE users ADD COLUMN sign_pub TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN sig BLOB;
UPDATE outbox SET sig = x'';

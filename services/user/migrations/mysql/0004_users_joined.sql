-- The admin dashboard counts new accounts of a role since an instant.
CREATE INDEX users_joined ON users (role, date_joined);

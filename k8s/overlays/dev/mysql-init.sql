-- One database per MySQL-backed service, all owned by the `hms` user that the
-- image creates from MYSQL_USER (MYSQL_DATABASE creates hms_user itself).
CREATE DATABASE IF NOT EXISTS hms_appointment CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
GRANT ALL PRIVILEGES ON hms_appointment.* TO 'hms'@'%';
CREATE DATABASE IF NOT EXISTS hms_billing CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
GRANT ALL PRIVILEGES ON hms_billing.* TO 'hms'@'%';
CREATE DATABASE IF NOT EXISTS hms_admin CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci;
GRANT ALL PRIVILEGES ON hms_admin.* TO 'hms'@'%';
FLUSH PRIVILEGES;

// Sets up what a booking walk needs, as an admin would (the admin screens come later): a
// two doctors with consulting hours every day, a medical service they perform and a nurse. Prints
// the staff's credentials as JSON. Run with `node --preserve-symlinks` (the SDK is linked).
//
//   HMS_WEB_URL=http://127.0.0.1:8080 HMS_ADMIN_PASSWORD=… node --preserve-symlinks e2e/seed.mjs
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { ScheduleService, ServiceKind } from "@hms/sdk/hms/appointment/v1/appointment_pb";

export async function seed(baseUrl, adminPassword, suffix = String(Date.now() % 1_000_000)) {
  const transport = createGrpcWebTransport({ baseUrl });
  const users = createClient(UserService, transport);
  const schedules = createClient(ScheduleService, transport);
  const { tokens } = await users.login({ username: "admin", password: adminPassword });
  const headers = { authorization: `Bearer ${tokens.accessToken}` };

  // Every day of the week, 08:00–20:00, so a walk finds free slots whatever day it runs.
  const blocks = [1, 2, 3, 4, 5, 6, 7].map((day) => ({
    dayOfWeek: day,
    startTime: { hours: 8 },
    endTime: { hours: 20 },
  }));
  const addDoctor = async (login, firstName, lastName, room) => {
    const doctor = {
      username: `${login}.${suffix}`,
      password: `doctor-password-${suffix}`,
      email: `${login}.${suffix}@clinic.example`,
    };
    const { user } = await users.createUser(
      {
        ...doctor,
        role: Role.DOCTOR,
        firstName,
        lastName,
        preferredLanguage: "vi",
        profile: {
          kind: { case: "doctor", value: { specialty: "General", consultationRoom: room } },
        },
      },
      { headers },
    );
    await schedules.setDoctorSchedule(
      { doctorId: user.id, specialty: "General", location: room, blocks },
      { headers },
    );
    return { ...doctor, id: user.id };
  };
  // Sorted by name in the calendar: An's slots come first.
  const doctor = await addDoctor("dr.an", "An", "Nguyễn", "P.101");
  const otherDoctor = await addDoctor("dr.binh", "Bình", "Trần", "P.102");
  const { service } = await schedules.createMedicalService(
    {
      code: `GEN-${suffix}`,
      service: {
        name: `Khám tổng quát ${suffix}`,
        description: "General check-up with a family doctor.",
        kind: ServiceKind.GENERAL_CHECKUP,
        durationMinutes: 30,
        price: { amountMinor: 150000n, currency: "VND" },
        specialties: ["General"],
        autoConfirm: false,
        active: true,
      },
    },
    { headers },
  );
  const nurse = {
    username: `nurse.binh.${suffix}`,
    password: `nurse-password-${suffix}`,
    email: `nurse.binh.${suffix}@clinic.example`,
  };
  await users.createUser(
    { ...nurse, role: Role.NURSE, firstName: "Bình", lastName: "Lê", preferredLanguage: "vi" },
    { headers },
  );
  return {
    nurse,
    doctor,
    otherDoctor,
    serviceId: service.id,
    serviceName: service.name,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await seed(
    process.env.HMS_WEB_URL ?? "http://127.0.0.1:8080",
    process.env.HMS_ADMIN_PASSWORD ?? "",
  );
  console.log(JSON.stringify(result));
}

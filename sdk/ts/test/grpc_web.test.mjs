// The generated TypeScript SDK over grpc-web (Connect's transport, HTTP/1.1)
// through the gateway of a real `hms up`: register, log in, an authenticated
// call, and an error with its gRPC code.
//
// `hms up` runs from $HMS_BIN (default: target/debug/hms of this repository)
// on ephemeral ports with its data in a temporary directory.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { Role } from "../gen/hms/common/v1/access_pb.js";
import { UserService } from "../gen/hms/user/v1/user_pb.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const binary = process.env.HMS_BIN ?? join(root, "target", "debug", "hms");
const password = "correct horse battery";
let hms;
let data;
let gatewayUrl;

before(async () => {
  assert.ok(existsSync(binary), `${binary} does not exist: build it with \`cargo build -p hms\` or set HMS_BIN`);
  data = mkdtempSync(join(tmpdir(), "hms-sdk-ts-"));
  const env = {
    ...process.env,
    HMS_DATA_DIR: data,
    HMS_USER__SERVER__LISTEN: "127.0.0.1:0",
    HMS_NOTIFICATION__SERVER__LISTEN: "127.0.0.1:0",
    HMS_GATEWAY__LISTEN: "127.0.0.1:0",
    // Every service on a free port, so another `hms up` on this machine is no obstacle.
    HMS_APPOINTMENT__SERVER__LISTEN: "127.0.0.1:0",
    HMS_EHR__SERVER__LISTEN: "127.0.0.1:0",
    HMS_PHARMACY__SERVER__LISTEN: "127.0.0.1:0",
    HMS_LABORATORY__SERVER__LISTEN: "127.0.0.1:0",
    HMS_BILLING__SERVER__LISTEN: "127.0.0.1:0",
    HMS_ADMIN__SERVER__LISTEN: "127.0.0.1:0",
    HMS_USER__INITIAL_ADMIN__PASSWORD: "admin-password-for-tests",
    HMS_TELEMETRY__LOG_FORMAT: "json",
  };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  hms = spawn(binary, ["up"], { env, stdio: ["ignore", "pipe", "ignore"] });
  gatewayUrl = await new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`hms up did not start:\n${output}`)), 60_000);
    hms.on("exit", (code) => reject(new Error(`hms up exited with ${code}:\n${output}`)));
    hms.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/^\s+gateway\s+(http:\/\/\S+)/m);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
});

after(async () => {
  if (hms && hms.exitCode === null) {
    const exited = new Promise((resolve) => hms.once("exit", resolve));
    hms.kill("SIGTERM");
    assert.equal(await exited, 0);
  }
  if (data) rmSync(data, { recursive: true, force: true });
});

test("register and log in over grpc-web through the gateway", async () => {
  const users = createClient(UserService, createGrpcWebTransport({ baseUrl: gatewayUrl, httpVersion: "1.1" }));
  const username = `ts.${Math.random().toString(36).slice(2, 12)}`;
  const registered = await users.register({
    username,
    password,
    email: `${username}@example.com`,
    firstName: "Type",
    lastName: "Script",
  });
  assert.equal(registered.user.username, username);
  assert.equal(registered.user.role, Role.PATIENT);

  const login = await users.login({ username, password });
  assert.ok(login.tokens.accessToken.length > 20, "an access token");
  const me = await users.getMe({}, { headers: { authorization: `Bearer ${login.tokens.accessToken}` } });
  assert.equal(me.user.id, registered.user.id);

  await assert.rejects(
    users.login({ username, password: "wrong password!" }),
    (e) => e instanceof ConnectError && e.code === Code.Unauthenticated,
  );
});

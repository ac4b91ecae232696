// A real grpc-web client (Connect's grpc-web transport over HTTP/1.1) calling
// the HMS gateway: Login (unary) and grpc.health.v1.Health/Watch (server
// streaming). Services are built at run time from the descriptor sets the
// Rust test writes, so nothing is generated.
//
// Environment: GATEWAY_URL, HMS_DESCRIPTORS, HEALTH_DESCRIPTORS, USERNAME, PASSWORD.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const registry = (path) => createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(path)));
const hms = registry(env("HMS_DESCRIPTORS"));
const health = registry(env("HEALTH_DESCRIPTORS"));

const transport = createGrpcWebTransport({ baseUrl: env("GATEWAY_URL"), httpVersion: "1.1" });
const users = createClient(hms.getService("hms.user.v1.UserService"), transport);
const healthClient = createClient(health.getService("grpc.health.v1.Health"), transport);

// Unary: login, then an authenticated call with the token.
const login = await users.login({ username: env("USERNAME"), password: env("PASSWORD") });
assert.ok(login.tokens.accessToken.length > 20, "an access token");
const me = await users.getMe({}, { headers: { authorization: `Bearer ${login.tokens.accessToken}` } });
assert.equal(me.user.username, env("USERNAME"));

// Errors carry their gRPC code.
await assert.rejects(users.getMe({}), (e) => e instanceof ConnectError && e.code === Code.Unauthenticated);
await assert.rejects(
  users.login({ username: env("USERNAME"), password: "wrong password!" }),
  (e) => e instanceof ConnectError && e.code === Code.Unauthenticated,
);

// Server streaming: the first status of Health/Watch is SERVING (1).
const controller = new AbortController();
let first;
try {
  for await (const status of healthClient.watch({ service: "" }, { signal: controller.signal })) {
    first = status;
    break;
  }
} finally {
  controller.abort();
}
assert.equal(first.status, 1, "SERVING");

console.log("grpc-web node client: login, get_me, errors and Health/Watch OK");

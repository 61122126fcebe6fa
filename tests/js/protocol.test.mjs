// protocol.js's message types: each one distinct (a message is routed by its type alone), and fixed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MSG } from "../../pwa/shared/protocol.js";

test("every message type is distinct, and none can be changed", () => {
  const types = Object.values(MSG);
  assert.equal(new Set(types).size, types.length);
  assert.ok(types.every((type) => typeof type === "string" && type));
  assert.throws(() => {
    MSG.REQUEST = "other"; // modules are strict: a frozen object's field cannot be written
  }, TypeError);
});

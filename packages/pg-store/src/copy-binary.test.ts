import { describe, expect, it } from "vitest";
import { BinaryCopy } from "./copy-binary.js";

/** The format spelled out field by field, as PostgreSQL's COPY documentation describes it. */
function field(bytes: Buffer | null): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes === null ? -1 : bytes.length, 0);
  return bytes === null ? length : Buffer.concat([length, bytes]);
}
function int4(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value, 0);
  return bytes;
}
function vector(values: number[]): Buffer {
  const bytes = Buffer.alloc(4 + 4 * values.length);
  bytes.writeInt16BE(values.length, 0);
  for (const [i, value] of values.entries()) bytes.writeFloatBE(value, 4 + 4 * i);
  return bytes;
}
function expected(rows: (Buffer | null)[][]): Buffer {
  const header = Buffer.concat([Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(8)]);
  const body = rows.map((row) => {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length, 0);
    return Buffer.concat([count, ...row.map(field)]);
  });
  return Buffer.concat([header, ...body, Buffer.from([0xff, 0xff])]);
}

describe("BinaryCopy", () => {
  it("writes rows of every field type exactly as the COPY binary format lays them out", () => {
    const text = "Grüße, 日本語 and an emoji 🚀, a lone \ud800 surrogate";
    const json = { title: "Ünïcode", tags: ["a", "b"], n: 3 };
    const uuid = "0b1c2d3e-4f50-8617-8899-aabbccddeeff";
    const copy = new BinaryCopy(64);
    copy.row(5).text(text).int4(-7).jsonb(json).uuid(uuid).vector([0.5, -1.25, 3e-8]);
    copy.row(2).null().text("");
    expect(copy.finish()).toEqual(
      expected([
        [
          Buffer.from(text, "utf8"),
          int4(-7),
          Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(json), "utf8")]),
          Buffer.from(uuid.replaceAll("-", ""), "hex"),
          vector([0.5, -1.25, 3e-8]),
        ],
        [null, Buffer.alloc(0)],
      ]),
    );
  });

  it("grows past its starting capacity without losing what was written", () => {
    const copy = new BinaryCopy(64);
    const long = "x".repeat(10_000);
    const values = Array.from({ length: 384 }, (_, i) => i / 7);
    for (let i = 0; i < 20; i++) copy.row(3).int4(i).text(long).vector(values);
    const rows = Array.from({ length: 20 }, (_, i) => [int4(i), Buffer.from(long), vector(values)]);
    expect(copy.finish()).toEqual(expected(rows));
  });

  it("rejects a uuid that is not one", () => {
    expect(() => new BinaryCopy().uuid("not-a-uuid")).toThrow(/not a UUID/);
  });
});

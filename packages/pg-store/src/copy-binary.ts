/**
 * Encodes rows in PostgreSQL's binary COPY format. Vectors go in as pgvector's binary representation (dimension,
 * then big-endian float4s): a third of the bytes of their text form, and no float parsing on the server.
 */

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Most UTF-8 bytes one UTF-16 code unit encodes to (a lone surrogate becomes U+FFFD, three bytes). */
const MAX_UTF8_PER_UNIT = 3;

/**
 * One COPY stream, written field by field into a single growing buffer: a row starts with {@link row}, then each of
 * its fields follows in column order through the typed writers ({@link text}, {@link int4}, {@link jsonb},
 * {@link vector}, {@link uuid}, {@link null}). No buffer is allocated per field.
 */
export class BinaryCopy {
  #buffer: Buffer;
  #view: DataView;
  #at = 0;

  /** `capacity`: bytes to start with; the buffer doubles whenever a field would not fit. */
  constructor(capacity = 1 << 20) {
    this.#buffer = Buffer.allocUnsafe(Math.max(64, capacity));
    this.#view = viewOf(this.#buffer);
    SIGNATURE.copy(this.#buffer, 0);
    // Flags (int32) and header extension length (int32): both zero.
    this.#buffer.fill(0, SIGNATURE.length, SIGNATURE.length + 8);
    this.#at = SIGNATURE.length + 8;
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): this {
    this.#reserve(2);
    this.#view.setInt16(this.#at, fields);
    this.#at += 2;
    return this;
  }

  /** SQL NULL. */
  null(): this {
    this.#reserve(4);
    this.#view.setInt32(this.#at, -1);
    this.#at += 4;
    return this;
  }

  /** A `text` value, UTF-8 encoded. */
  text(value: string): this {
    this.#reserve(4 + value.length * MAX_UTF8_PER_UNIT);
    const length = this.#buffer.write(value, this.#at + 4, "utf8");
    this.#view.setInt32(this.#at, length);
    this.#at += 4 + length;
    return this;
  }

  /** An `int4` value. */
  int4(value: number): this {
    this.#reserve(8);
    this.#view.setInt32(this.#at, 4);
    this.#view.setInt32(this.#at + 4, value);
    this.#at += 8;
    return this;
  }

  /** A `jsonb` value: version 1, then the JSON text of `value`. */
  jsonb(value: unknown): this {
    const json = JSON.stringify(value);
    this.#reserve(5 + json.length * MAX_UTF8_PER_UNIT);
    const length = this.#buffer.write(json, this.#at + 5, "utf8");
    this.#view.setInt32(this.#at, length + 1);
    this.#buffer[this.#at + 4] = 1;
    this.#at += 5 + length;
    return this;
  }

  /** pgvector's `vector` binary form: int16 dimensions, int16 unused, big-endian float4 components. */
  vector(vector: readonly number[]): this {
    const bytes = 4 + 4 * vector.length;
    this.#reserve(4 + bytes);
    const view = this.#view;
    let at = this.#at;
    view.setInt32(at, bytes);
    view.setInt16(at + 4, vector.length);
    view.setInt16(at + 6, 0);
    at += 8;
    for (let i = 0; i < vector.length; i++, at += 4) view.setFloat32(at, vector[i] as number);
    this.#at = at;
    return this;
  }

  /** A `uuid` value: its 16 bytes. */
  uuid(uuid: string): this {
    const hex = uuid.replaceAll("-", "");
    this.#reserve(20);
    const written = this.#buffer.write(hex, this.#at + 4, "hex");
    if (written !== 16 || hex.length !== 32) throw new Error(`not a UUID: ${JSON.stringify(uuid)}`);
    this.#view.setInt32(this.#at, 16);
    this.#at += 20;
    return this;
  }

  /** The whole stream, trailer included; the encoder must not be used afterwards. */
  finish(): Buffer {
    this.#reserve(2);
    this.#view.setInt16(this.#at, -1);
    this.#at += 2;
    return this.#buffer.subarray(0, this.#at);
  }

  #reserve(bytes: number): void {
    const needed = this.#at + bytes;
    if (needed <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
    this.#view = viewOf(grown);
  }
}

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

import { createWriteStream, type WriteStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { ByteWriter } from "hyparquet-writer";

// Output sinks shared by the format writers. Both keep memory bounded whatever the export's size:
// the text sink waits for the stream to drain before taking more, the Parquet sink hands each row
// group to the disk before the next is encoded.

/** An append-only text file that honours back-pressure. */
export class TextSink {
  private stream: WriteStream;
  private failure: Error | null = null;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: "wx", highWaterMark: 1 << 20 });
    // Without a listener a write error would crash the process; keep it for the next call.
    this.stream.on("error", (err) => {
      this.failure ??= err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(text)) await this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off("error", onError);
        resolve();
      };
      const onError = (err: Error) => {
        this.stream.off("drain", onDrain);
        reject(err);
      };
      this.stream.once("drain", onDrain);
      this.stream.once("error", onError);
    });
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.end(() => resolve());
    });
    if (this.failure) throw this.failure;
  }

  /** Stops without flushing (the job removes the folder). */
  async abort(): Promise<void> {
    if (this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      this.stream.once("close", () => resolve());
      this.stream.destroy();
    });
  }
}

/** Buffers stay this size between row groups; a row group of large images may grow one for a while. */
const PARQUET_BUFFER_BYTES = 1 << 20;

/** Appends to a file; ParquetWriter awaits flush() per row group, so at most one group is in memory. */
export class ParquetFileSink extends ByteWriter {
  private constructor(private readonly fh: FileHandle) {
    super(PARQUET_BUFFER_BYTES);
  }

  static async create(path: string): Promise<ParquetFileSink> {
    return new ParquetFileSink(await open(path, "wx"));
  }

  async flush(): Promise<void> {
    if (this.index > 0) {
      const bytes = new Uint8Array(this.buffer, 0, this.index);
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.fh.write(bytes, written, bytes.length - written);
        written += bytesWritten;
      }
      this.index = 0;
    }
    // A row group of embedded images can have grown the buffer far past its size: give it back.
    if (this.buffer.byteLength > 8 * PARQUET_BUFFER_BYTES) {
      this.buffer = new ArrayBuffer(PARQUET_BUFFER_BYTES);
      this.view = new DataView(this.buffer);
    }
  }

  // ParquetWriter.finish() returns this promise: the footer reaches the disk, then the file closes.
  override finish(): Promise<void> {
    return this.flush().then(() => this.fh.close());
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  override getBuffer(): ArrayBuffer {
    throw new Error("ParquetFileSink streams to a file; there is no buffer to return");
  }
}

import "server-only";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Readable } from "node:stream";
import { hashingStream, toReadable } from "./local";
import { checkKey, StorageIntegrityError, type Storage, type TByteRange, type TGetResult, type TObjectInfo, type TPresignOptions, type TPutOptions } from "./types";

// S3-compatible object storage through the AWS SDK v3 (AWS S3, MinIO, R2, GCS's S3 interface).

export interface TS3Location {
  bucket: string;
  /** "" or ends in "/". */
  prefix: string;
}

/** Parses s3://bucket/prefix (the prefix may be empty). */
export function parseS3Url(url: string): TS3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  if (!m) throw new Error(`Not an S3 location (expected s3://bucket/prefix): ${url}`);
  const rest = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (rest) checkKey(rest);
  return { bucket: m[1]!, prefix: rest ? `${rest}/` : "" };
}

export interface TS3ClientOptions {
  forcePathStyle?: boolean;
  /** Tests and the bench point at a local server; otherwise the SDK reads AWS_ENDPOINT_URL, profiles, roles. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function makeS3Client(opts: TS3ClientOptions = {}): S3Client {
  const env = process.env;
  // The SDK refuses to start without a region; S3-compatible servers rarely care which.
  const region = opts.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || env.AWS_PROFILE ? undefined : "us-east-1");
  return new S3Client({
    ...(region ? { region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    forcePathStyle: opts.forcePathStyle ?? false,
    // The SDK's default CRC32 checksums on every request are refused by many S3-compatible servers;
    // Loupe checks sha256 itself.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

function isNotFound(err: unknown): boolean {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode === 404 || err.name === "NoSuchKey" || err.name === "NotFound";
  return false;
}

const PART_SIZE = 8 * 1024 * 1024;

export class S3Storage implements Storage {
  readonly kind = "s3" as const;
  readonly location: string;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string = "",
  ) {
    if (prefix && !prefix.endsWith("/")) throw new Error(`An S3 prefix ends in "/": ${prefix}`);
    this.location = `s3://${bucket}/${prefix}`;
  }

  objectKey(key: string): string {
    return this.prefix + checkKey(key);
  }

  localPath(): null {
    return null;
  }

  async put(key: string, body: Readable | Uint8Array, opts: TPutOptions = {}): Promise<{ size: number; sha256: string }> {
    const Key = this.objectKey(key);
    const h = hashingStream();
    const source = toReadable(body);
    source.on("error", (err) => h.stream.destroy(err));
    const upload = new Upload({
      client: this.client,
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key,
        Body: source.pipe(h.stream),
        ContentType: opts.contentType,
        // Recorded so storage:migrate and a later check can compare without reading the bytes.
        Metadata: opts.sha256 ? { sha256: opts.sha256 } : undefined,
      },
    });
    await upload.done();
    const got = h.digest();
    if (opts.sha256 && got.sha256 !== opts.sha256) {
      // S3 has no rename: the object is already visible, so take it back before answering.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      throw new StorageIntegrityError(`The bytes for ${key} hash to ${got.sha256}, not ${opts.sha256}.`);
    }
    return got;
  }

  async get(key: string, range?: TByteRange): Promise<TGetResult | null> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range ? `bytes=${range.start}-${range.end ?? ""}` : undefined }),
      );
      const body = res.Body as Readable;
      const size = res.ContentLength ?? 0;
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? "");
      if (m) return { body, size, totalSize: Number(m[3]), range: { start: Number(m[1]), end: Number(m[2]) } };
      return { body, size, totalSize: size, range: null };
    } catch (err) {
      if (isNotFound(err)) return null;
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 416) {
        throw new RangeError(`Range ${range?.start}-${range?.end ?? ""} is outside ${key}.`);
      }
      throw err;
    }
  }

  async head(key: string): Promise<TObjectInfo | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: res.ContentLength ?? 0, sha256: res.Metadata?.sha256, contentType: res.ContentType };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkKey(prefix, { prefix: true });
    if (!prefix.endsWith("/")) throw new Error(`deletePrefix takes a folder (ending in "/"): ${prefix}`);
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const Objects = batch.map((Key) => ({ Key }));
      batch = [];
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
    };
    for await (const o of this.list(prefix)) {
      batch.push(this.objectKey(o.key));
      if (batch.length === 1000) await flush();
    }
    await flush();
  }

  async *list(prefix: string): AsyncIterable<TObjectInfo> {
    checkKey(prefix, { prefix: true });
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) {
        if (o.Key) yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `${this.bucket}/${this.objectKey(fromKey)}`.split("/").map(encodeURIComponent).join("/");
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), CopySource: source }));
  }

  async presignGet(key: string, opts: TPresignOptions): Promise<string> {
    const cmd = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: opts.contentType,
      ResponseCacheControl: opts.cacheControl,
      ResponseContentDisposition: opts.disposition,
    });
    return getSignedUrl(this.client, cmd, { expiresIn: opts.expiresIn, signingDate: opts.signedAt });
  }
}

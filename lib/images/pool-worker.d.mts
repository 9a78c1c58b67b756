export interface TCheckTask {
  bytes: Uint8Array;
  maxPixels: number;
}

export interface TCheckAnswer {
  sha256: string;
  format?: string;
  width?: number;
  height?: number;
  /** Why the bytes are not a usable image: sharp's message, "empty", "no format or size" or "pixel limit". */
  problem?: string;
}

export declare function checkImageBytes(task: TCheckTask): Promise<TCheckAnswer>;
export default checkImageBytes;

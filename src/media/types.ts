/**
 * The vocabulary of media in memories: what a message part or attachment carries (a
 * {@link MediaInput} before it is read), what Strata learns from it (a {@link MediaAnalysis}:
 * OCR text, caption, EXIF date and place, transcript), the reference a memory keeps in
 * `metadata.media` ({@link MediaRef}) and the owner-scoped, content-addressed blobs the
 * bytes live in ({@link BlobStore}).
 */

/** An image or a recording. */
export type MediaKind = 'image' | 'audio';

/** A media item found in a message, before its bytes are read. */
export interface MediaInput {
  kind: MediaKind;
  /** Where the item sits in the request, for error messages: `messages[0].content[1]`. */
  field: string;
  /** A data: URL, an http(s) URL, or raw base64 with a `format` (input_audio). */
  url?: string;
  base64?: string;
  /** The media type the sender declared (data URL, attachment meta, input_audio format). */
  declaredType?: string;
  /** File name of an attachment. */
  name?: string;
  /** A transcript or extracted text the front end already made (Open WebUI attachments). */
  text?: string;
}

/** A timed piece of a transcript, seconds from the start of the recording. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

/** What Strata learned from one item; kept with the blob so the same bytes are analysed once. */
export interface MediaAnalysis {
  /** Recognized text (whitespace collapsed, at most 4000 characters). */
  ocrText?: string;
  /** Why there is no OCR text when OCR was wanted ("tesseract.js is not installed"). */
  ocrSkipped?: string;
  caption?: string;
  /** When the photo was taken (EXIF DateTimeOriginal in UTC), and whether the camera recorded its offset. */
  takenAt?: string;
  takenAtZone?: 'exif' | 'assumed';
  /** Where (EXIF GPS), decimal degrees. */
  place?: { latitude: number; longitude: number };
  transcript?: string;
  segments?: TranscriptSegment[];
  /** Which engine made the transcript: "openai:<model>", "pocketsphinx", "attachment". */
  transcribedBy?: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** The reference a memory keeps in `metadata.media[]`: the blob id and what the item said. */
export interface MediaRef extends MediaAnalysis {
  /** sha256 (hex) of the bytes: the blob id, GET /v1/media/{id}. */
  id: string;
  kind: MediaKind;
  mimeType: string;
  bytes: number;
  name?: string;
}

/** A stored blob's description (without the bytes). */
export interface BlobInfo {
  id: string;
  userId: string;
  kind: MediaKind;
  mimeType: string;
  bytes: number;
  createdAt: string;
  name?: string;
  analysis: MediaAnalysis;
}

/** A blob with its bytes, as {@link BlobStore.get} returns it. */
export interface StoredBlob extends BlobInfo {
  data: Buffer;
}

/**
 * Content-addressed bytes per user: the same bytes twice are one blob (id = sha256), and a
 * user only ever sees their own (another user's id reads as missing).
 */
export interface BlobStore {
  readonly kind: 'files' | 'memory';
  /** Stores the blob unless this user has it; true when it was new. */
  put(blob: StoredBlob): Promise<boolean>;
  /** The blob with its bytes (null: this user has no such blob). */
  get(userId: string, id: string): Promise<StoredBlob | null>;
  /** The description without the bytes (null: this user has no such blob). */
  info(userId: string, id: string): Promise<BlobInfo | null>;
  /** Every blob of a user, descriptions only. */
  list(userId: string): Promise<BlobInfo[]>;
  /** Removes these blobs of a user; returns how many there were. */
  delete(userId: string, ids: readonly string[]): Promise<number>;
  /** Removes every blob of a user; returns how many went. */
  deleteUser(userId: string): Promise<number>;
  /** Blob count and bytes of one user, or of everyone. */
  usage(userId?: string): Promise<{ blobs: number; bytes: number }>;
  /** Re-encrypts every blob sealed under an older key; returns how many were rewritten. */
  rotateKeys(): Promise<number>;
}

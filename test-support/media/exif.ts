/**
 * Writes EXIF into a JPEG for tests, byte by byte: an APP1 "Exif" segment (little-endian
 * TIFF) with IFD0 pointing at an Exif IFD (DateTimeOriginal, and OffsetTimeOriginal when
 * given) and a GPS IFD (latitude and longitude as degree/minute/second rationals), placed
 * right after the JPEG's start-of-image marker. ImageMagick cannot set these tags reliably
 * and exiftool is not on every machine, so the tests build the segment themselves.
 */

export interface ExifFields {
  /** "YYYY:MM:DD HH:MM:SS", as cameras write it (no zone). */
  dateTimeOriginal?: string;
  /** "+02:00": the camera's offset from UTC, when it recorded one. */
  offsetTimeOriginal?: string;
  /** Decimal degrees, negative for south / west. */
  latitude?: number;
  longitude?: number;
}

interface Tag {
  id: number;
  type: number;
  count: number;
  /** The value bytes (inline when at most 4, else stored after the IFD). */
  bytes: Buffer;
}

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

const ascii = (id: number, text: string): Tag => {
  const bytes = Buffer.from(`${text}\u0000`, 'latin1');
  return { id, type: ASCII, count: bytes.length, bytes };
};

const long = (id: number, value: number): Tag => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return { id, type: LONG, count: 1, bytes };
};

function rationals(id: number, values: Array<[number, number]>): Tag {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach(([n, d], i) => {
    bytes.writeUInt32LE(n, i * 8);
    bytes.writeUInt32LE(d, i * 8 + 4);
  });
  return { id, type: RATIONAL, count: values.length, bytes };
}

function dms(decimal: number): Array<[number, number]> {
  const abs = Math.abs(decimal);
  const degrees = Math.floor(abs);
  const minutesFull = (abs - degrees) * 60;
  const minutes = Math.floor(minutesFull);
  const seconds = Math.round((minutesFull - minutes) * 60 * 1000);
  return [
    [degrees, 1],
    [minutes, 1],
    [seconds, 1000],
  ];
}

/** One IFD at `offset` (from the TIFF header): entries, next-IFD 0, then out-of-line values. */
function ifd(tags: Tag[], offset: number): Buffer {
  const sorted = [...tags].sort((a, b) => a.id - b.id);
  const head = Buffer.alloc(2 + sorted.length * 12 + 4);
  head.writeUInt16LE(sorted.length, 0);
  const extra: Buffer[] = [];
  let extraOffset = offset + head.length;
  sorted.forEach((tag, i) => {
    const at = 2 + i * 12;
    head.writeUInt16LE(tag.id, at);
    head.writeUInt16LE(tag.type, at + 2);
    head.writeUInt32LE(tag.count, at + 4);
    if (tag.bytes.length <= 4) {
      tag.bytes.copy(head, at + 8);
    } else {
      head.writeUInt32LE(extraOffset, at + 8);
      const padded = tag.bytes.length % 2 ? Buffer.concat([tag.bytes, Buffer.alloc(1)]) : tag.bytes;
      extra.push(padded);
      extraOffset += padded.length;
    }
  });
  return Buffer.concat([head, ...extra]);
}

/** Size of an IFD of these tags, values included (to place the next one after it). */
const ifdSize = (tags: Tag[]) => ifd(tags, 0).length;

/** The TIFF body of an APP1 Exif segment holding `fields`. */
export function exifTiff(fields: ExifFields): Buffer {
  const exifTags: Tag[] = [];
  if (fields.dateTimeOriginal) exifTags.push(ascii(0x9003, fields.dateTimeOriginal));
  if (fields.offsetTimeOriginal) exifTags.push(ascii(0x9011, fields.offsetTimeOriginal));
  const gpsTags: Tag[] = [];
  if (fields.latitude !== undefined && fields.longitude !== undefined) {
    gpsTags.push({ id: 0x0000, type: 1, count: 4, bytes: Buffer.from([2, 3, 0, 0]) });
    gpsTags.push(ascii(0x0001, fields.latitude < 0 ? 'S' : 'N'));
    gpsTags.push(rationals(0x0002, dms(fields.latitude)));
    gpsTags.push(ascii(0x0003, fields.longitude < 0 ? 'W' : 'E'));
    gpsTags.push(rationals(0x0004, dms(fields.longitude)));
  }
  // IFD0 holds the two pointers; its size does not depend on their values.
  const pointers = (exifAt: number, gpsAt: number): Tag[] => [
    ...(exifTags.length ? [long(0x8769, exifAt)] : []),
    ...(gpsTags.length ? [long(0x8825, gpsAt)] : []),
    { id: 0x0112, type: SHORT, count: 1, bytes: Buffer.from([1, 0, 0, 0]) },
  ];
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(pointers(0, 0));
  const gpsAt = exifAt + (exifTags.length ? ifdSize(exifTags) : 0);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  return Buffer.concat([
    header,
    ifd(pointers(exifAt, gpsAt), ifd0At),
    ...(exifTags.length ? [ifd(exifTags, exifAt)] : []),
    ...(gpsTags.length ? [ifd(gpsTags, gpsAt)] : []),
  ]);
}

/** `jpeg` with an APP1 Exif segment holding `fields` inserted after its SOI marker. */
export function withExif(jpeg: Buffer, fields: ExifFields): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('withExif: not a JPEG (no SOI marker)');
  const body = Buffer.concat([Buffer.from('Exif\u0000\u0000', 'latin1'), exifTiff(fields)]);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, body, jpeg.subarray(2)]);
}

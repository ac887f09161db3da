/**
 * When and where a photo was taken, from its EXIF (exifr, an optional dependency: without
 * it images simply carry no date). DateTimeOriginal (or CreateDate) is a wall-clock time
 * without a zone; with OffsetTimeOriginal it is exact, otherwise it is read in the user's
 * time zone (the turn's), never the server's, and marked "assumed". GPS latitude and
 * longitude come as decimal degrees. Unreadable EXIF is no error: many images have none.
 */
import { fromWallClock } from '../text/time-zone.ts';
import type { Logger } from '../util/logger.ts';
import { isMissingPackage } from '../util/optional-import.ts';
import type { MediaAnalysis } from './types.ts';

type Parse = (data: Buffer, options: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>;

let parser: Promise<Parse | null> | null = null;

function loadParser(logger: Logger): Promise<Parse | null> {
  parser ??= (import('exifr') as Promise<unknown>).then(
    (module) => {
      const m = module as { parse?: Parse; default?: { parse?: Parse } };
      return m.parse ?? m.default?.parse ?? null;
    },
    (error: unknown) => {
      if (!isMissingPackage(error, 'exifr')) throw error;
      logger.info(
        'exifr is not installed: image dates and places from EXIF are left out (npm install exifr)',
      );
      return null;
    },
  );
  return parser;
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** The EXIF date and GPS place of an image, when it has them. */
export async function readExif(
  data: Buffer,
  timeZone: string,
  logger: Logger,
): Promise<Pick<MediaAnalysis, 'takenAt' | 'takenAtZone' | 'place'>> {
  const parse = await loadParser(logger);
  if (!parse) return {};
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await parse(data, {
      gps: true,
      reviveValues: false,
      pick: [
        'DateTimeOriginal',
        'CreateDate',
        'OffsetTimeOriginal',
        'OffsetTime',
        'GPSLatitude',
        'GPSLongitude',
        'GPSLatitudeRef',
        'GPSLongitudeRef',
      ],
    });
  } catch (error) {
    logger.debug({ err: error }, 'EXIF not readable; image kept without a date');
    return {};
  }
  if (!tags) return {};
  const out: Pick<MediaAnalysis, 'takenAt' | 'takenAtZone' | 'place'> = {};
  const stamp = String(tags.DateTimeOriginal ?? tags.CreateDate ?? '');
  const parts = stamp.match(EXIF_DATE);
  if (parts) {
    const [y, mo, d, h, mi, s] = parts.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    const offset = String(tags.OffsetTimeOriginal ?? tags.OffsetTime ?? '').match(OFFSET);
    if (!Number.isNaN(wall.getTime()) && y > 1900) {
      if (offset) {
        const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1);
        out.takenAt = new Date(wall.getTime() - minutes * 60_000).toISOString();
        out.takenAtZone = 'exif';
      } else {
        out.takenAt = fromWallClock(wall, timeZone).toISOString();
        out.takenAtZone = 'assumed';
      }
    }
  }
  const { latitude, longitude } = tags as { latitude?: unknown; longitude?: unknown };
  if (
    typeof latitude === 'number' &&
    typeof longitude === 'number' &&
    Number.isFinite(latitude + longitude)
  ) {
    out.place = { latitude: round(latitude), longitude: round(longitude) };
  }
  return out;
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;

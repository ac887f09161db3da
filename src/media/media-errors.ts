/**
 * The typed refusals of bad media, one function per reason, so every surface answers the
 * same way: corrupt or unreadable bytes and a refused URL are validation_error (400), a type
 * Strata does not read or that contradicts its declared type is unsupported_media_type
 * (415), too many bytes, pixels or seconds are payload_too_large (413). Each names the
 * request field, the reason (details.reason) and what to send instead; nothing is stored.
 */
import {
  type MemoryError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.ts';

export type MediaRefusal =
  | 'corrupt'
  | 'unsupported_type'
  | 'type_mismatch'
  | 'too_large'
  | 'too_many_pixels'
  | 'too_long'
  | 'too_many_items'
  | 'address_not_allowed'
  | 'fetch_failed';

export function mediaRefused(reason: MediaRefusal, field: string, message: string): MemoryError {
  const options = { details: { field, reason } };
  switch (reason) {
    case 'unsupported_type':
    case 'type_mismatch':
      return new UnsupportedMediaTypeError(message, options);
    case 'too_large':
    case 'too_many_pixels':
    case 'too_long':
    case 'too_many_items':
      return new PayloadTooLargeError(message, options);
    default:
      return new ValidationError(message, options);
  }
}

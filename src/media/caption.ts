/**
 * An optional one-line caption from an OpenAI-compatible vision model (media.caption):
 * POST {baseUrl}/chat/completions with the prompt and the image as an image_url data URL.
 * A caption only enriches the memory, so a model that is down, slow or answers nonsense
 * leaves the image without one (logged) instead of failing the turn.
 */
import type { MediaConfig } from '../config/schema.ts';
import type { Logger } from '../util/logger.ts';

export type CaptionConfig = NonNullable<MediaConfig['caption']>;

const MAX_CAPTION = 300;

export async function captionImage(
  config: CaptionConfig,
  data: Buffer,
  mimeType: string,
  logger: Logger,
): Promise<string | undefined> {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: config.model,
        max_tokens: 120,
        temperature: 0,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: config.prompt },
              { type: 'image_url', image_url: { url: `data:${mimeType};base64,${data.toString('base64')}` } },
            ],
          },
        ],
      }),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    if (!response.ok) {
      logger.warn(
        { status: response.status, url },
        'caption model refused the image; stored without a caption',
      );
      return undefined;
    }
    const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string') return undefined;
    const line = content.replace(/\s+/g, ' ').trim();
    if (!line) return undefined;
    return line.length > MAX_CAPTION ? `${line.slice(0, MAX_CAPTION - 1)}…` : line;
  } catch (error) {
    logger.warn({ err: error, url }, 'caption model unreachable; image stored without a caption');
    return undefined;
  }
}

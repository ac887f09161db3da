/**
 * Test fixture: writes a tiny BERT-shaped feature-extraction model folder (config.json,
 * a WordPiece tokenizer.json, tokenizer_config.json and onnx/model*.onnx) so the ONNX
 * embedder's real path — transformers.js loading a local folder, tokenizing with padding,
 * onnxruntime-node running a graph, pooling and normalizing — runs in every test run
 * without downloading weights. The graph is an embedding lookup masked by attention_mask
 * (no attention layers); the word vectors are built from a few topics so similarity is
 * meaningful. The ONNX protobuf is encoded by hand (the format is small and stable).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
/** Words grouped by topic; a word's vector is its topic axis plus a small word-specific part. */
const TOPICS: string[][] = [
  ['mountains', 'mountain', 'hiking', 'hike', 'alps', 'trail', 'climbing', 'peak'],
  ['tax', 'return', 'due', 'money', 'bank', 'invoice', 'salary'],
  ['coffee', 'tea', 'lemon', 'breakfast', 'drink', 'milk'],
  ['dog', 'cat', 'pet', 'puppy', 'vet'],
];
const FILLER = [
  'i',
  'love',
  'in',
  'the',
  'my',
  'is',
  'next',
  'week',
  'with',
  'a',
  'query',
  'passage',
  ':',
  '.',
  ',',
];

export interface TinyBertOptions {
  hidden?: number;
  /** Also write 1_Pooling/config.json (sentence-transformers layout) with this pooling. */
  pooling?: 'cls' | 'mean';
}

/** Writes the model folder into `dir` (created) and returns its hidden size. */
export function writeTinyBert(dir: string, options: TinyBertOptions = {}): number {
  const hidden = options.hidden ?? 16;
  const vocab = [...SPECIAL, ...FILLER, ...TOPICS.flat()];
  const rows = vocab.map((word, id) => wordVector(word, id, hidden));
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: hidden,
      vocab_size: vocab.length,
    }),
  );
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 64,
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      mask_token: '[MASK]',
    }),
  );
  const model = modelProto(rows, hidden);
  for (const file of ['model.onnx', 'model_quantized.onnx', 'model_fp16.onnx'])
    writeFileSync(path.join(dir, 'onnx', file), model);
  if (options.pooling) {
    mkdirSync(path.join(dir, '1_Pooling'), { recursive: true });
    writeFileSync(
      path.join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({
        word_embedding_dimension: hidden,
        pooling_mode_cls_token: options.pooling === 'cls',
        pooling_mode_mean_tokens: options.pooling === 'mean',
      }),
    );
  }
  return hidden;
}

function wordVector(word: string, id: number, hidden: number): number[] {
  const topic = TOPICS.findIndex((words) => words.includes(word));
  const row = Array.from({ length: hidden }, (_, i) => 0.15 * Math.sin(id * 12.9898 + i * 78.233));
  if (topic >= 0) row[topic] = (row[topic] ?? 0) + 1;
  if (word === '[CLS]') row[hidden - 1] = 2; // CLS pooling is visibly different from mean pooling
  return row;
}

function tokenizerJson(vocab: string[]) {
  const special = (content: string) => ({
    id: vocab.indexOf(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const token = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [token('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, token('[SEP]')],
      pair: [
        token('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        token('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab.indexOf(t)], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((w, i) => [w, i])),
    },
  };
}

// ---- a minimal ONNX protobuf writer -------------------------------------------------------

type Field = Buffer;

function varint(value: number | bigint): Buffer {
  let v = BigInt(value);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, value: number | bigint): Field => Buffer.concat([key(field, 0), varint(value)]);
const bytes = (field: number, value: Buffer | string): Field => {
  const data = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([key(field, 2), varint(data.length), data]);
};
const message = (field: number, ...parts: Field[]): Field => bytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;

function tensor(field: number, name: string, type: number, dims: number[], raw: Buffer): Field {
  return message(field, ...dims.map((d) => int(1, d)), int(2, type), bytes(8, name), bytes(9, raw));
}

function valueInfo(field: number, name: string, type: number, dims: Array<number | string>): Field {
  const dim = (d: number | string) => message(1, typeof d === 'number' ? int(1, d) : bytes(2, d));
  return message(field, bytes(1, name), message(2, message(1, int(1, type), message(2, ...dims.map(dim)))));
}

function node(op: string, inputs: string[], outputs: string[], ...attributes: Field[]): Field {
  return message(
    1,
    ...inputs.map((i) => bytes(1, i)),
    ...outputs.map((o) => bytes(2, o)),
    bytes(3, `${op}_${outputs[0]}`),
    bytes(4, op),
    ...attributes,
  );
}

function modelProto(rows: number[][], hidden: number): Buffer {
  const table = Buffer.from(Float32Array.from(rows.flat()).buffer);
  const axes = Buffer.from(BigInt64Array.from([-1n]).buffer);
  const graph = [
    node('Gather', ['embeddings', 'input_ids'], ['token_vectors']),
    node('Cast', ['attention_mask'], ['mask_float'], message(5, bytes(1, 'to'), int(3, FLOAT), int(20, 2))),
    node('Unsqueeze', ['mask_float', 'unsqueeze_axes'], ['mask_3d']),
    node('Mul', ['token_vectors', 'mask_3d'], ['last_hidden_state']),
    bytes(2, 'tiny-bert'),
    tensor(5, 'embeddings', FLOAT, [rows.length, hidden], table),
    tensor(5, 'unsqueeze_axes', INT64, [1], axes),
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', hidden]),
  ];
  return Buffer.concat([
    int(1, 8),
    bytes(2, 'strata-test'),
    message(7, ...graph),
    message(8, bytes(1, ''), int(2, 13)),
  ]);
}

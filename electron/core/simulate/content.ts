// What a simulated campaign says: a seeded random source and the payload pieces (recipients, texts, cards,
// replies) in the gateway's field format (spec/rcs-callbacks.txt, samples/callbacks.json). Values are invented.

/** mulberry32: small, fast and the same on every platform, so a seed reproduces a campaign exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;

export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
export const between = (rand: Rand, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));

function hex(rand: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

export function uuid(rand: Rand): string {
  return `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-${pick(rand, ['8', '9', 'a', 'b'])}${hex(rand, 3)}-${hex(rand, 12)}`;
}

export const accountId = (rand: Rand): string => `acc_${hex(rand, 10)}`;

const NAMES = ['Maria', 'João', 'Paulo', 'Ana', 'Lucas', 'Beatriz', 'Carla', 'Rafael', 'Fernanda', 'Gustavo', 'Juliana', 'Pedro'];
const DDD = [11, 11, 11, 21, 21, 31, 41, 51, 61, 71, 81, 85];

export function recipient(rand: Rand): { userId: string; vars: Record<string, string> } {
  const nome = pick(rand, NAMES);
  const pedido = `A-${between(rand, 10000, 99999)}`;
  const vars: Record<string, string> = { nome, pedido };
  if (rand() < 0.3) vars.cupom = pick(rand, ['BF25', 'NATAL10', 'FRETEGRATIS']);
  return { userId: `55${pick(rand, DDD)}9${String(between(rand, 0, 99_999_999)).padStart(8, '0')}`, vars };
}

const TEXTS = [
  'Olá {n}, seu pedido {p} foi enviado! Acompanhe pelo app.',
  '{n}, seu boleto vence amanhã. Pague pelo Pix e ganhe 5% de cashback.',
  '{n}, seu pedido {p} saiu para entrega! Toque para acompanhar.',
  'Como foi sua experiência com a Loja Exemplo, {n}? Responda de 0 a 10.',
  'Feliz Natal, {n}! Frete grátis acima de R$ 199 em toda a loja.',
];
const fill = (t: string, vars: Record<string, string>) => t.replace('{n}', vars.nome ?? '').replace('{p}', vars.pedido ?? '');

export type ContentType = 'Text' | 'Image' | 'Video' | 'RichCard' | 'Carousel';

/** A suggestion a recipient can tap: what the card offers and what the click callback reports. */
export interface Suggestion {
  type: 'reply' | 'openUrl' | 'call';
  title: string;
  value: string;
}

/** The outbound echo's `message` for a content type, and the suggestions it offers (cards only). */
export function outboundMessage(rand: Rand, type: ContentType, vars: Record<string, string>): { message: Record<string, unknown>; suggestions: Suggestion[] } {
  const text = fill(pick(rand, TEXTS), vars);
  switch (type) {
    case 'Text':
      return { message: { contentType: 'text', text }, suggestions: [] };
    case 'Image':
      return { message: { contentType: 'image', image: { url: 'https://cdn.lojaexemplo.com.br/rcs/bf25-banner.png' } }, suggestions: [] };
    case 'Video':
      return { message: { contentType: 'video', video: { url: 'https://cdn.lojaexemplo.com.br/rcs/bf25-teaser.mp4' } }, suggestions: [] };
    case 'RichCard': {
      const suggestions: Suggestion[] = [
        { type: 'reply', title: 'Quero a oferta', value: 'cta_quero_oferta' },
        { type: 'openUrl', title: 'Ver no site', value: 'https://lojaexemplo.com.br/bf?c=BF25' },
        { type: 'call', title: 'Falar com atendente', value: '+551140028922' },
      ];
      return {
        message: {
          contentType: 'richCard',
          message: {
            title: `Black Friday: 25% OFF para você, ${vars.nome ?? ''}`.trim(),
            description: 'Use o cupom BF25 até 30/11. Frete grátis acima de R$ 199.',
            fileUrl: 'https://cdn.lojaexemplo.com.br/rcs/bf25-hero.jpg',
            suggestions,
          },
        },
        suggestions,
      };
    }
    case 'Carousel': {
      const tv: Suggestion = { type: 'reply', title: 'Quero esta', value: 'sku_tv50' };
      const nb: Suggestion = { type: 'reply', title: 'Quero esta', value: 'sku_nb15' };
      const more: Suggestion = { type: 'openUrl', title: 'Detalhes', value: 'https://lojaexemplo.com.br/p/nb15' };
      return {
        message: {
          contentType: 'carousel',
          message: {
            text: 'Escolha sua oferta',
            items: [
              { title: 'Smart TV 50"', description: 'De R$ 2.799 por R$ 2.099', fileUrl: 'https://cdn.lojaexemplo.com.br/rcs/tv50.jpg', suggestions: [tv] },
              { title: 'Notebook 15"', description: 'De R$ 3.999 por R$ 2.999', fileUrl: 'https://cdn.lojaexemplo.com.br/rcs/nb15.jpg', suggestions: [nb, more] },
            ],
          },
        },
        suggestions: [tv, nb, more],
      };
    }
  }
}

/** The SMS fallback's text: short, with a link instead of the card. */
export function smsText(vars: Record<string, string>): string {
  return `Loja Exemplo: ${vars.nome ?? 'cliente'}, seu pedido ${vars.pedido ?? ''} saiu para entrega. Acompanhe: lojaex.com.br/t/${(vars.pedido ?? '').replace('-', '')}`;
}

/** What a click reports: the suggestion's text and postback (an action for links and calls). */
export function clickMessage(s: Suggestion): Record<string, unknown> {
  return {
    contentType: 'suggestionResponse',
    suggestionResponse: { type: s.type === 'reply' ? 'REPLY' : 'ACTION', text: s.title, postbackData: s.value },
  };
}

export type ReplyType = 'TEXT' | 'IMAGE' | 'VIDEO' | 'LOCATION';

const REPLY_TEXTS = ['Qual o prazo de entrega para Campinas?', 'Sim', 'Não, obrigado', '10', 'Quero falar com um atendente', 'Já paguei'];

/** A free reply in one of the documented inbound types; coordinates come as strings, as the gateway sends them. */
export function replyMessage(rand: Rand, type: ReplyType): Record<string, unknown> {
  switch (type) {
    case 'TEXT':
      return { contentType: 'text', text: pick(rand, REPLY_TEXTS) };
    case 'IMAGE':
      return {
        contentType: 'image',
        image: { mimeType: 'image/jpeg', fileSizeBytes: between(rand, 40_000, 900_000), fileName: 'comprovante.jpg', fileUri: `https://rcs-user-content.storage.googleapis.com/${hex(rand, 8)}-comprovante.jpg` },
      };
    case 'VIDEO':
      return {
        contentType: 'video',
        video: { mimeType: 'video/mp4', fileSizeBytes: between(rand, 1_000_000, 9_000_000), fileName: 'produto_avariado.mp4', fileUri: `https://rcs-user-content.storage.googleapis.com/${hex(rand, 8)}-produto_avariado.mp4` },
      };
    case 'LOCATION':
      return {
        contentType: 'location',
        location: { latitude: (-23.5 - rand() * 0.2).toFixed(6), longitude: (-46.6 - rand() * 0.2).toFixed(6) },
      };
  }
}

export const CAMPAIGN_NAMES = ['black_friday_2025_rcs', 'entrega_status', 'boleto_lembrete', 'natal_2025_rcs', 'pesquisa_nps'];

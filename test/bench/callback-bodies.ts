// Realistic callback bodies for load: the sample events with a fresh reference and event_id each time, padded
// with the kind of template variables campaigns carry so the mean body is about 1 KB. Unique ids matter: the
// same body repeated would make every request a duplicate of the first, which is not what a gateway sends.
import { seededRandom as prng } from '../../electron/core/simulate/content';
import { loadSamples } from '../support/serve';

// one seeded generator for the simulator, the benches and the tests
export { prng };

export interface CallbackBody {
  reference: string;
  eventId: string;
  body: string;
}

const PAD_VARS: Record<string, string> = {
  produto: 'Smart TV 55" 4K UHD com HDR10 e Wi-Fi integrado',
  endereco_entrega: 'Rua das Laranjeiras, 1234 - apto 56 - Laranjeiras, Rio de Janeiro - RJ, 22240-003',
  link_rastreio: 'https://www.lojaexemplo.com.br/pedidos/rastreio?codigo=BR123456789XX&utm_source=rcs&utm_medium=callback',
  vendedor: 'Loja Exemplo Oficial',
  forma_pagamento: 'Pix com 5% de desconto',
  cupom: 'BF25',
  segmento: 'clientes_recorrentes_sudeste_ticket_alto',
  id_cliente: 'c0a8012e-7f3b-4c1d-9e2a-5b6c7d8e9f01',
  previsao_entrega: 'terça-feira, 2 de dezembro de 2025, entre 8h e 18h',
  observacao: 'Entregar na portaria caso o destinatário não esteja. Não deixar com vizinhos.',
  canal_origem: 'app_android_v5.12.3',
};

/**
 * Templates split around the two ids so producing a body is two string concatenations, not a JSON.stringify:
 * the load generator must stay cheap or it becomes the thing being measured.
 */
export function callbackBodyFactory(
  opts: { prefix?: string; targetBytes?: number; seed?: number; /** every body on this one reference (a hot message) */ reference?: string } = {},
): () => CallbackBody {
  const samples = loadSamples();
  const target = opts.targetBytes ?? 1024;
  const REF = '@@REF@@';
  const EVT = '@@EVT@@';
  const templates = Object.values(samples.events).map((event) => {
    const e: Record<string, unknown> = { ...event, reference: REF, event_id: EVT };
    const vars: Record<string, unknown> = { ...((event.vars as Record<string, unknown> | null) ?? {}) };
    for (const [k, v] of Object.entries(PAD_VARS)) {
      if (JSON.stringify({ ...e, vars }).length >= target - 60) break;
      vars[k] = v;
    }
    e.vars = vars;
    const text = JSON.stringify(e);
    const [a, rest] = text.split(REF) as [string, string];
    const [b, c] = rest.split(EVT) as [string, string];
    return [a, b, c] as const;
  });
  const rand = prng(opts.seed ?? 7);
  const prefix = opts.prefix ?? `bench${Math.floor(rand() * 1e6).toString(36)}`;
  let n = 0;
  return () => {
    n++;
    const t = templates[Math.floor(rand() * templates.length)]!;
    const reference = opts.reference ?? `${prefix}-${n.toString(36)}-${Math.floor(rand() * 2 ** 32).toString(16)}`;
    const eventId = `${prefix}-e${n.toString(36)}`;
    return { reference, eventId, body: t[0] + reference + t[1] + eventId + t[2] };
  };
}

// har-schema ships no types: its index maps each HAR 1.2 object's name to its JSON Schema (draft-06, with an $id).
declare module 'har-schema' {
  const schemas: Record<string, { $id: string } & Record<string, unknown>>;
  export default schemas;
}

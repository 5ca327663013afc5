import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { pickClient } from './api/pick-client';
import { App } from './App';
import { StoreProvider } from './store/context';
import { createInspectorStore } from './store/inspector-store';
import './styles.css';

// The shared parsers bundle zod; its JIT probes eval, which our CSP forbids. Say so up front instead of letting
// every page load log a CSP violation.
z.config({ jitless: true });

const client = pickClient();
const store = createInspectorStore(client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store} client={client}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

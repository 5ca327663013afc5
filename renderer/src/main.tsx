import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickClient } from './api/pick-client';
import { App } from './App';
import { StoreProvider } from './store/context';
import { createInspectorStore } from './store/inspector-store';
import './styles.css';

const client = pickClient();
const store = createInspectorStore(client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store} client={client}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

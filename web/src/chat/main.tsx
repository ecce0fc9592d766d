import { render } from 'preact';
import '../shared/base.css';
import './chat.css';
import { ChatPage } from './ChatPage.tsx';

const params = new URLSearchParams(location.search);
render(<ChatPage title={params.get('title') ?? undefined} />, document.getElementById('app')!);

import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { MimeModel } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import React, { useEffect, useRef } from 'react';

/**
 * Markdown rendered by JupyterLab's rendermime, untrusted: cluster text in an answer is data, so its
 * HTML is sanitized like any untrusted output.
 */
export function Markdown(props: { rendermime: IRenderMimeRegistry; text: string }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  const renderer = useRef<IRenderMime.IRenderer | null>(null);

  useEffect(() => {
    return () => {
      renderer.current?.dispose();
      renderer.current = null;
    };
  }, []);

  useEffect(() => {
    if (!host.current) {
      return;
    }
    if (!renderer.current) {
      renderer.current = props.rendermime.createRenderer('text/markdown');
      host.current.appendChild(renderer.current.node);
    }
    void renderer.current.renderModel(
      new MimeModel({ data: { 'text/markdown': props.text }, trusted: false })
    );
  }, [props.text]);

  return <div className="jp-KubeWorkbench-markdown" ref={host} />;
}

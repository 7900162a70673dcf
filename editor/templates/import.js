// Progress of a catalogue import on /admin/import (served as /admin/import.js:
// the page policy allows scripts from our own origin only).
(function poll(){fetch('/admin/import/status',{credentials:'same-origin'}).then(r=>r.json()).then(s=>{
 var p=document.getElementById('progress');
 if(s.running){p.textContent='Đang đọc: '+s.done+' bản ghi…';setTimeout(poll,500)}
 else if(s.finished){p.textContent='Xong: đã nạp '+s.loaded+' thủ tục'+(s.problems&&s.problems.length?', '+s.problems.length+' vấn đề.':'.')}
}).catch(()=>{})})();

<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>Attract</name>
    <message>
        <location filename="../ui/screens.py" line="103"/>
        <source>Welcome</source>
        <translation>Selamat datang</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="104"/>
        <source>Talk to an officer by video about your JHT claim or other BPJS Ketenagakerjaan services.</source>
        <translation>Bicara dengan petugas lewat video tentang klaim JHT Anda atau layanan BPJS Ketenagakerjaan lainnya.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="106"/>
        <source>Touch here to start</source>
        <translation>Sentuh di sini untuk mulai</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="107"/>
        <source>You can also press the call button on the booth.</source>
        <translation>Anda juga bisa menekan tombol panggil di bilik.</translation>
    </message>
</context>
<context>
    <name>Call</name>
    <message>
        <location filename="../ui/screens.py" line="407"/>
        <location filename="../ui/screens.py" line="550"/>
        <source>✔ Your officer can hear you</source>
        <translation>✔ Petugas dapat mendengar Anda</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="415"/>
        <source>Documents accepted: {accepted} of {total}</source>
        <translation>Dokumen diterima: {accepted} dari {total}</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="417"/>
        <source>Call the officer</source>
        <translation>Panggil petugas</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="419"/>
        <source>Leave</source>
        <translation>Keluar</translation>
    </message>
</context>
<context>
    <name>CheckIn</name>
    <message>
        <location filename="../ui/screens.py" line="197"/>
        <source>Do you have a booking?</source>
        <translation>Apakah Anda punya janji temu?</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="198"/>
        <source>Yes, I have a booking code
Type it in</source>
        <translation>Ya, saya punya kode booking
Ketik kodenya</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="199"/>
        <source>No booking
Take a queue number</source>
        <translation>Tidak punya booking
Ambil nomor antrean</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="200"/>
        <source>Or hold your booking&apos;s QR code up to the camera</source>
        <translation>Atau tunjukkan kode QR booking Anda ke kamera</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="201"/>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
</context>
<context>
    <name>Checking</name>
    <message>
        <location filename="../ui/screens.py" line="261"/>
        <source>Checking your booking code…</source>
        <translation>Kode booking Anda sedang diperiksa…</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="264"/>
        <source>Getting your queue number…</source>
        <translation>Nomor antrean Anda sedang dibuat…</translation>
    </message>
</context>
<context>
    <name>CodeEntry</name>
    <message>
        <location filename="../ui/screens.py" line="235"/>
        <source>Type your booking code</source>
        <translation>Ketik kode booking Anda</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="237"/>
        <source>⌫ Delete</source>
        <translation>⌫ Hapus</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="238"/>
        <source>Clear</source>
        <translation>Hapus semua</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="239"/>
        <source>Or show the QR code here</source>
        <translation>Atau tunjukkan kode QR di sini</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="240"/>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="241"/>
        <source>Check my code</source>
        <translation>Periksa kode saya</translation>
    </message>
</context>
<context>
    <name>Document</name>
    <message>
        <location filename="../ui/screens.py" line="500"/>
        <source>Please show your {document} again</source>
        <translation>Mohon tunjukkan {document} Anda sekali lagi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="502"/>
        <source>Please put your {document} on the tray</source>
        <translation>Silakan letakkan {document} Anda di atas baki</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="510"/>
        <source>The picture is taken by itself when the document lies still.</source>
        <translation>Foto diambil otomatis saat dokumen diam.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="512"/>
        <source>Taking the picture…</source>
        <translation>Foto sedang diambil…</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="514"/>
        <source>Sending it to the officer…</source>
        <translation>Sedang dikirim ke petugas…</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="515"/>
        <location filename="../ui/screens.py" line="518"/>
        <location filename="../ui/screens.py" line="521"/>
        <source>You can take your document back.</source>
        <translation>Anda boleh mengambil kembali dokumen Anda.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="517"/>
        <source>Sent. The officer is checking it.</source>
        <translation>Terkirim. Petugas sedang memeriksanya.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="520"/>
        <source>✔ Accepted. Thank you.</source>
        <translation>✔ Diterima. Terima kasih.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="523"/>
        <source>Please show it again</source>
        <translation>Mohon tunjukkan sekali lagi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="526"/>
        <source>The document camera is not working</source>
        <translation>Kamera dokumen tidak berfungsi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="527"/>
        <source>The officer has been told and will help you.</source>
        <translation>Petugas sudah diberi tahu dan akan membantu Anda.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="540"/>
        <source>Sent {percent}%</source>
        <translation>Terkirim {percent}%</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="544"/>
        <source>Take the picture now</source>
        <translation>Ambil foto sekarang</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="545"/>
        <source>What the camera over the tray sees:</source>
        <translation>Yang terlihat oleh kamera di atas baki:</translation>
    </message>
</context>
<context>
    <name>End</name>
    <message>
        <location filename="../ui/screens.py" line="589"/>
        <source>Your reference number:</source>
        <translation>Nomor referensi Anda:</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="597"/>
        <source>Documents accepted: {documents}</source>
        <translation>Dokumen diterima: {documents}</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="601"/>
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
</context>
<context>
    <name>Kiosk</name>
    <message>
        <location filename="../ui/window.py" line="294"/>
        <source>Language:</source>
        <translation>Bahasa:</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="314"/>
        <source>Are you still there?</source>
        <translation>Apakah Anda masih di sini?</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="315"/>
        <source>If you are still here, please touch the button. Otherwise your visit ends in {seconds} seconds.</source>
        <translation>Jika Anda masih di sini, sentuh tombol di bawah. Jika tidak, kunjungan Anda berakhir dalam {seconds} detik.</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="318"/>
        <source>Yes, I am still here</source>
        <translation>Ya, saya masih di sini</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="323"/>
        <source>Do you want to leave?</source>
        <translation>Apakah Anda ingin keluar?</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="325"/>
        <source>Your conversation with the officer will end.</source>
        <translation>Percakapan Anda dengan petugas akan berakhir.</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="327"/>
        <source>You will lose your place in the queue.</source>
        <translation>Nomor antrean Anda akan hilang.</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="328"/>
        <source>No, stay</source>
        <translation>Tidak, tetap di sini</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="329"/>
        <source>Yes, leave</source>
        <translation>Ya, keluar</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="334"/>
        <source>The connection was lost. Reconnecting…</source>
        <translation>Sambungan terputus. Sedang menyambung kembali…</translation>
    </message>
    <message>
        <location filename="../ui/window.py" line="335"/>
        <source>Please stay here: your visit will continue by itself.</source>
        <translation>Mohon tetap di sini: kunjungan Anda akan berlanjut dengan sendirinya.</translation>
    </message>
</context>
<context>
    <name>OutOfService</name>
    <message>
        <location filename="../ui/screens.py" line="624"/>
        <source>This booth is not available right now</source>
        <translation>Bilik ini sedang tidak dapat digunakan</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="625"/>
        <source>Please go to the front desk. The staff there will help you.</source>
        <translation>Silakan menuju meja layanan depan. Petugas di sana akan membantu Anda.</translation>
    </message>
</context>
<context>
    <name>Privacy</name>
    <message>
        <location filename="../ui/screens.py" line="134"/>
        <source>Before we start</source>
        <translation>Sebelum kita mulai</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="136"/>
        <source>• The officer will see and hear you through this booth&apos;s camera and microphone.</source>
        <translation>• Petugas akan melihat dan mendengar Anda melalui kamera dan mikrofon bilik ini.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="138"/>
        <source>• The officer will look at the documents you put on the tray, to handle your claim.</source>
        <translation>• Petugas akan melihat dokumen yang Anda letakkan di baki, untuk memproses klaim Anda.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="140"/>
        <source>• Nothing about you stays on this booth: it is all erased when your visit ends.</source>
        <translation>• Tidak ada data Anda yang tersimpan di bilik ini: semuanya dihapus saat kunjungan Anda selesai.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="145"/>
        <source>Back</source>
        <translation>Kembali</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="146"/>
        <source>I agree, continue</source>
        <translation>Saya setuju, lanjutkan</translation>
    </message>
</context>
<context>
    <name>Technician</name>
    <message>
        <location filename="../ui/screens.py" line="701"/>
        <source>Running…</source>
        <translation>Sedang berjalan…</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="711"/>
        <source>Technician</source>
        <translation>Teknisi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="715"/>
        <source>Leave</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="720"/>
        <source>No technician PIN is set in the booth config.</source>
        <translation>PIN teknisi belum diatur di konfigurasi bilik.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="722"/>
        <source>Enter the technician PIN</source>
        <translation>Masukkan PIN teknisi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="727"/>
        <source>Locked for {seconds} s</source>
        <translation>Terkunci selama {seconds} detik</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="730"/>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="732"/>
        <source>Devices</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="735"/>
        <source>working</source>
        <translation>berfungsi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="735"/>
        <source>not working</source>
        <translation>tidak berfungsi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="738"/>
        <source>Branch server: {why}</source>
        <translation>Server kantor cabang: {why}</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="740"/>
        <source>Branch server: connected</source>
        <translation>Server kantor cabang: terhubung</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="742"/>
        <source>Probe devices</source>
        <translation>Cari perangkat</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="743"/>
        <source>Check config</source>
        <translation>Periksa konfigurasi</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="745"/>
        <source>Test: {device}</source>
        <translation>Uji: {device}</translation>
    </message>
</context>
<context>
    <name>Ticket</name>
    <message>
        <location filename="../ui/screens.py" line="284"/>
        <source>Your queue number</source>
        <translation>Nomor antrean Anda</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="287"/>
        <source>Your ticket is printed below the screen. Please stay in the booth.</source>
        <translation>Tiket Anda dicetak di bawah layar. Mohon tetap di dalam bilik.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="290"/>
        <source>Please remember this number. Please stay in the booth.</source>
        <translation>Mohon ingat nomor ini. Mohon tetap di dalam bilik.</translation>
    </message>
</context>
<context>
    <name>Waiting</name>
    <message>
        <location filename="../ui/screens.py" line="329"/>
        <source>Hello, {name}</source>
        <translation>Halo, {name}</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="331"/>
        <source>Please wait for the officer</source>
        <translation>Mohon tunggu petugas</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="332"/>
        <source>Your number</source>
        <translation>Nomor Anda</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="335"/>
        <source>An officer is about to call you</source>
        <translation>Sebentar lagi petugas akan memanggil Anda</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="340"/>
        <source>Please stay in the booth. The officer will appear on this screen.</source>
        <translation>Mohon tetap di dalam bilik. Petugas akan muncul di layar ini.</translation>
    </message>
    <message>
        <location filename="../ui/screens.py" line="342"/>
        <source>Leave the queue</source>
        <translation>Keluar dari antrean</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <location filename="../ui/words.py" line="24"/>
        <source>ID card (KTP)</source>
        <translation>KTP</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="25"/>
        <source>Family card (KK)</source>
        <translation>Kartu Keluarga (KK)</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="26"/>
        <source>BPJS Ketenagakerjaan membership card</source>
        <translation>Kartu Peserta BPJS Ketenagakerjaan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="27"/>
        <source>Letter from your employer that your work ended</source>
        <translation>Surat keterangan berhenti bekerja dari perusahaan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="28"/>
        <source>Savings book (bank book)</source>
        <translation>Buku tabungan</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="29"/>
        <source>Filled-in JHT claim form</source>
        <translation>Formulir klaim JHT yang sudah diisi</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="30"/>
        <source>The document the officer asked for</source>
        <translation>Dokumen yang diminta petugas</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="37"/>
        <source>We could not find this booking code. Please check it and try again, or take a queue number.</source>
        <translation>Kode booking ini tidak ditemukan. Periksa lagi dan coba sekali lagi, atau ambil nomor antrean.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="39"/>
        <source>This booking is for another day. You can take a queue number instead.</source>
        <translation>Booking ini untuk hari lain. Anda bisa mengambil nomor antrean.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="41"/>
        <source>The time of this booking has passed. You can take a queue number instead.</source>
        <translation>Waktu booking ini sudah lewat. Anda bisa mengambil nomor antrean.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="43"/>
        <source>This booking has already been used. You can take a queue number instead.</source>
        <translation>Booking ini sudah dipakai. Anda bisa mengambil nomor antrean.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="45"/>
        <source>This booking is already waiting in the queue.</source>
        <translation>Booking ini sudah ada di antrean.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="46"/>
        <source>The code is too short. Please type the whole code.</source>
        <translation>Kodenya terlalu pendek. Mohon ketik kode lengkapnya.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="47"/>
        <source>Too many codes were not found. Please take a queue number, or ask at the front desk.</source>
        <translation>Terlalu banyak kode yang tidak ditemukan. Silakan ambil nomor antrean, atau tanyakan di meja depan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="49"/>
        <source>Something went wrong. Please try again.</source>
        <translation>Terjadi kendala. Silakan coba lagi.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="50"/>
        <source>Your visit was interrupted. Please start again, or go to the front desk.</source>
        <translation>Kunjungan Anda terputus. Silakan mulai lagi, atau menuju meja layanan depan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="52"/>
        <source>The officer has been told that you need them.</source>
        <translation>Petugas sudah diberi tahu bahwa Anda memerlukan bantuan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="53"/>
        <source>Please wait: an officer will call you here soon.</source>
        <translation>Mohon tunggu: petugas akan segera memanggil Anda di sini.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="54"/>
        <source>Wrong PIN.</source>
        <translation>PIN salah.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="55"/>
        <source>Too many wrong PINs. Please wait.</source>
        <translation>Terlalu banyak PIN salah. Mohon tunggu.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="62"/>
        <source>Put your document on the tray</source>
        <translation>Letakkan dokumen di atas baki</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="63"/>
        <source>Move the document to the middle of the tray</source>
        <translation>Geser dokumen ke tengah baki</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="64"/>
        <source>Hold the document closer to the camera</source>
        <translation>Dekatkan dokumen ke kamera</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="65"/>
        <source>Lay the document flat on the tray</source>
        <translation>Letakkan dokumen rata di baki</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="66"/>
        <source>Keep the document still</source>
        <translation>Jangan gerakkan dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="67"/>
        <source>Tilt it a little to stop the shine</source>
        <translation>Miringkan sedikit agar tidak silau</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="68"/>
        <source>Take your hand off the document</source>
        <translation>Angkat tangan dari dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="69"/>
        <source>Good, hold it there</source>
        <translation>Bagus, tahan sebentar</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="70"/>
        <source>Please take the previous document away, then put this one on the tray</source>
        <translation>Mohon ambil dokumen sebelumnya, lalu letakkan dokumen ini di atas baki</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="78"/>
        <source>The officer needs to see it again.</source>
        <translation>Petugas perlu melihatnya sekali lagi.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="80"/>
        <source>The officer could not read it. Lay it flat, away from shine.</source>
        <translation>Petugas tidak bisa membacanya. Letakkan rata, jauh dari silau.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="82"/>
        <source>Part of it was missing. Show the whole document.</source>
        <translation>Ada bagian yang tidak terlihat. Tunjukkan seluruh dokumen.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="83"/>
        <source>Something was covering it. Take your hand off it.</source>
        <translation>Ada yang menutupi dokumen. Angkat tangan Anda dari dokumen.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="84"/>
        <source>This is not the document that was asked for.</source>
        <translation>Ini bukan dokumen yang diminta.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="85"/>
        <source>This document has expired.</source>
        <translation>Dokumen ini sudah tidak berlaku.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="86"/>
        <source>The details do not match your other documents.</source>
        <translation>Datanya tidak sama dengan dokumen Anda yang lain.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="87"/>
        <source>The document is damaged.</source>
        <translation>Dokumen ini rusak.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="88"/>
        <source>The officer will tell you why.</source>
        <translation>Petugas akan menjelaskan alasannya.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="95"/>
        <source>Connecting you to the officer…</source>
        <translation>Sedang menghubungkan Anda dengan petugas…</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="96"/>
        <source>The officer will be with you in a moment</source>
        <translation>Petugas akan segera melayani Anda</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="97"/>
        <source>You are talking with the officer</source>
        <translation>Anda sedang berbicara dengan petugas</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="98"/>
        <source>The officer is helping another participant and will be back with you. Please stay here.</source>
        <translation>Petugas sedang melayani peserta lain dan akan kembali kepada Anda. Mohon tetap di sini.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="100"/>
        <source>The connection was lost. Reconnecting…</source>
        <translation>Sambungan terputus. Sedang menyambung kembali…</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="107"/>
        <source>Thank you. Your claim has been received.</source>
        <translation>Terima kasih. Klaim Anda sudah diterima.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="108"/>
        <source>Thank you. Some documents are still missing.</source>
        <translation>Terima kasih. Masih ada dokumen yang kurang.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="109"/>
        <source>We are sorry. Your claim cannot go on.</source>
        <translation>Mohon maaf. Klaim Anda tidak dapat dilanjutkan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="110"/>
        <source>Thank you. You have been referred to another service.</source>
        <translation>Terima kasih. Anda dirujuk ke layanan lain.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="111"/>
        <location filename="../ui/words.py" line="114"/>
        <source>Your visit has ended.</source>
        <translation>Kunjungan Anda sudah selesai.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="112"/>
        <source>Your visit was interrupted.</source>
        <translation>Kunjungan Anda terputus.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="113"/>
        <source>Your visit ended because of a technical problem.</source>
        <translation>Kunjungan Anda berakhir karena kendala teknis.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="121"/>
        <source>Your claim is now being processed. You do not need to do anything else today. Keep your reference number.</source>
        <translation>Klaim Anda sedang diproses. Hari ini Anda tidak perlu melakukan apa-apa lagi. Simpan nomor referensi Anda.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="123"/>
        <source>Please come back with the missing documents. Show your reference number so we can continue your claim.</source>
        <translation>Silakan datang lagi dengan dokumen yang kurang. Tunjukkan nomor referensi Anda agar klaim Anda dapat dilanjutkan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="125"/>
        <source>The officer has told you why. If you have questions, please go to the front desk with your reference number.</source>
        <translation>Petugas sudah menjelaskan alasannya. Jika ada pertanyaan, silakan ke meja depan dengan membawa nomor referensi Anda.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="127"/>
        <source>Please go to the front desk with your reference number. They will help you further.</source>
        <translation>Silakan menuju meja layanan depan dengan nomor referensi Anda. Petugas di sana akan membantu Anda.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="129"/>
        <location filename="../ui/words.py" line="133"/>
        <source>You can start again at any time.</source>
        <translation>Anda bisa mulai lagi kapan saja.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="130"/>
        <source>Please start again, or go to the front desk.</source>
        <translation>Silakan mulai lagi, atau menuju meja layanan depan.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="131"/>
        <source>Please go to the front desk. We are sorry for the trouble.</source>
        <translation>Silakan menuju meja layanan depan. Mohon maaf atas kendala ini.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="141"/>
        <source>Printing your receipt…</source>
        <translation>Tanda terima Anda sedang dicetak…</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="142"/>
        <source>Please take your receipt from the printer below the screen.</source>
        <translation>Silakan ambil tanda terima Anda dari printer di bawah layar.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="143"/>
        <source>Please write down your reference number or take a photo of this screen.</source>
        <translation>Mohon catat nomor referensi Anda atau foto layar ini.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="145"/>
        <source>The receipt could not be printed. Please write down your reference number or take a photo of this screen.</source>
        <translation>Tanda terima tidak dapat dicetak. Mohon catat nomor referensi Anda atau foto layar ini.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="153"/>
        <source>The camera is not working. The officer has been told.</source>
        <translation>Kamera tidak berfungsi. Petugas sudah diberi tahu.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="154"/>
        <source>The document camera is not working. The officer has been told.</source>
        <translation>Kamera dokumen tidak berfungsi. Petugas sudah diberi tahu.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="155"/>
        <source>The printer is not working. Your numbers stay on the screen.</source>
        <translation>Printer tidak berfungsi. Nomor Anda tetap tampil di layar.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="156"/>
        <source>The microphone is not working. The officer has been told.</source>
        <translation>Mikrofon tidak berfungsi. Petugas sudah diberi tahu.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="157"/>
        <source>The loudspeaker is not working. The officer has been told.</source>
        <translation>Pengeras suara tidak berfungsi. Petugas sudah diberi tahu.</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="167"/>
        <source>About 1 minute</source>
        <translation>Sekitar 1 menit</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="169"/>
        <source>More than an hour</source>
        <translation>Lebih dari satu jam</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="170"/>
        <source>About {minutes} minutes</source>
        <translation>Sekitar {minutes} menit</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="178"/>
        <source>You are next in line</source>
        <translation>Anda berikutnya</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="179"/>
        <source>You are number {position} in line</source>
        <translation>Anda urutan ke-{position} dalam antrean</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="185"/>
        <source>Face camera</source>
        <translation>Kamera wajah</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="186"/>
        <source>Document camera</source>
        <translation>Kamera dokumen</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="187"/>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="188"/>
        <source>Loudspeaker</source>
        <translation>Pengeras suara</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="189"/>
        <source>Call button</source>
        <translation>Tombol panggil</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="190"/>
        <source>Status light</source>
        <translation>Lampu status</translation>
    </message>
    <message>
        <location filename="../ui/words.py" line="191"/>
        <source>Receipt printer</source>
        <translation>Printer tanda terima</translation>
    </message>
</context>
</TS>
